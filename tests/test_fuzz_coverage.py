"""Issue 16: the property-based fuzz covers every public entry point of nnlib, or says why not.

**The rule (what a public entry point is).** For every module under ``nnlib`` whose dotted path
has no part starting with ``_`` (``nnlib._checks`` is private), except ``nnlib.solutions`` and
its modules (worked answers to the exercises, not an API): the names in the module's ``__all__``
if it has one, otherwise every function, class or other callable (a cached function, say)
*defined* in that module (not imported) whose name does not start with ``_``. Entry points are
counted once per object: a re-export (``nnlib.train.fit`` is ``nnlib.train.core.fit``) is the
same entry point, named by its first module in alphabetical order. Constants (``AGGREGATIONS``,
``ROLLOUT``) are not entry points. Methods are not counted separately: a class is one entry
point (its constructor); the fuzz suites also call many methods (``forward``, ``backward``,
``step``).

**Covered** means: the entry point is the ``target`` of an entry in a fuzz registry (every
module ``tests/test_fuzz_*.py`` is imported; each module-level list ``ENTRIES`` or
``*_ENTRIES`` of ``(label, target, call, specs)`` tuples counts, and so does a module-level
list ``TARGETS`` of objects fuzzed by hand-written cases; see ``tests/fuzz_common.py``), or it
is an exercise checker registered with
``nnlib.exercises.checker`` (``tests/test_exercises_bad_answers.py`` feeds every registered
checker twelve kinds of wrong answer). Everything else must be in :data:`EXEMPT` with a
one-line reason; the test fails for an entry point in neither, and for a stale exemption
(an entry point that is covered or no longer exists).
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest

pytest.importorskip("torch")
pytest.importorskip("hypothesis")

import nnlib

SKIP_PACKAGES = ("nnlib.solutions",)


def public_entry_points() -> dict[str, object]:
    """``{qualified name: object}`` by the rule in the module docstring."""
    names = sorted(info.name for info in pkgutil.walk_packages(nnlib.__path__, "nnlib.")
                   if not any(p.startswith("_") for p in info.name.split(".")[1:])
                   and not info.name.startswith(SKIP_PACKAGES))
    found: dict[int, tuple[str, object]] = {}
    for name in ["nnlib", *names]:
        module = importlib.import_module(name)
        if hasattr(module, "__all__"):
            public = list(module.__all__)
        else:
            public = [n for n, o in vars(module).items()
                      if not n.startswith("_") and callable(o) and not inspect.ismodule(o)
                      and getattr(o, "__module__", None) == name]
        for attr in public:
            obj = getattr(module, attr, None)
            if obj is None or not callable(obj) or inspect.ismodule(obj):
                continue   # a constant or a submodule listed in __all__
            found.setdefault(id(obj), (f"{name}.{attr}", obj))
    return dict(found.values())


# -- which objects the fuzz registries call ----------------------------------------------------
def fuzz_modules() -> list:
    """Every fuzz module ``tests/test_fuzz_*.py`` (this one excepted), imported."""
    from pathlib import Path

    here = Path(__file__).resolve().parent
    return [importlib.import_module(f"tests.{path.stem}")
            for path in sorted(here.glob("test_fuzz_*.py")) if path.stem != Path(__file__).stem]


def registry_targets() -> list:
    """Every object named as a target by a fuzz module (see ``tests/fuzz_common.py``)."""
    from tests.fuzz_common import registry_targets as targets_of

    return [target for module in fuzz_modules() for target in targets_of(module)]


def covered_objects() -> set[int]:
    covered = {id(target) for target in registry_targets()}
    from nnlib.exercises import _CHECKERS

    for info in pkgutil.iter_modules(importlib.import_module("nnlib.exercises").__path__):
        if info.name.startswith("nb"):
            importlib.import_module(f"nnlib.exercises.{info.name}")
    covered |= {id(fn) for fn in _CHECKERS.values()}
    return covered


# -- exemptions: entry point -> one-line reason ------------------------------------------------
EXCEPTION = "an exception class: nnlib raises it, a learner does not call it"
BASE = "a base class (Module, Loss, Optimizer, Callback, ...): its subclasses are fuzzed"
RESULT = "a record nnlib returns (a history, a report): read by learners, not built by them"
HELPER = ("a helper of nnlib's own layers and loops, whose public callers check the arguments "
          "first; not fuzzed on its own")
TOOLING = ("course tooling (command line, setup cells, CI, downloads), not a learning API; "
           "covered by its own tests")
WRAPPER = "a one-line short form: f(**kw) builds the widget class, which is fuzzed"
NO_ARGS = "takes no arguments: nothing to fuzz (its output is tested in test_data_graphs.py)"
CHECKED_ELSEWHERE = ("tests/test_exercises_bad_answers.py gives it 12 kinds of wrong answer "
                     "for every registered checker")
EXEMPT: dict[str, str] = {
    "nnlib.data.download.DownloadError": EXCEPTION,
    "nnlib.errors.NonFiniteError": EXCEPTION,
    "nnlib.errors.NotForwardedError": EXCEPTION,
    "nnlib.errors.ShapeError": EXCEPTION,
    "nnlib.errors.TrainingDivergedError": EXCEPTION,
    "nnlib.scratch.gradcheck.GradcheckError": EXCEPTION,
    "nnlib.autograd.nn.Module": BASE,
    "nnlib.scratch.losses.Loss": BASE,
    "nnlib.scratch.lr_scheduler.LRScheduler": BASE,
    "nnlib.scratch.module.Module": BASE,
    "nnlib.scratch.optim.Optimizer": BASE,
    "nnlib.scratch.training.Callback": BASE,
    "nnlib.widgets.InteractiveFigure": BASE,
    "nnlib.widgets.core.PlayControls": BASE,
    "nnlib.scratch.gradcheck.GradcheckReport": RESULT,
    "nnlib.scratch.lr_finder.LRRangeTestResult": RESULT,
    "nnlib.scratch.training.History": RESULT,
    "nnlib.surfaces.SurfacePath": RESULT,
    "nnlib.train.Precision": RESULT,
    "nnlib.train.StepStats": RESULT,
    "nnlib.train.generative.StepHistory": RESULT,
    "nnlib.train.lm.LMHistory": RESULT,
    "nnlib.train_common.EpochResult": RESULT,
    "nnlib.widgets.mlp.FitResult": RESULT,
    "nnlib.widgets.perceptron.PerceptronTrace": RESULT,
    "nnlib.scratch.layers.check_grad_out": HELPER,
    "nnlib.scratch.layers.layer_name": HELPER,
    "nnlib.scratch.layers.require_forward": HELPER,
    "nnlib.scratch.module.check_array": HELPER,
    "nnlib.scratch.training.is_overflow_error": HELPER,
    "nnlib.train.core.progress_bar": HELPER,
    "nnlib.train.lm.make_scheduler": HELPER,
    "nnlib.train.precision.make_grad_scaler": HELPER,
    "nnlib.train_common.as_callbacks": HELPER,
    "nnlib.train_common.diverged_error": HELPER,
    "nnlib.train_common.epoch_line": HELPER,
    "nnlib.train_common.eval_mode": HELPER,
    "nnlib.train_common.mean_over_batches": HELPER,
    "nnlib.train_common.run_epochs": HELPER,
    "nnlib.data.download.cache_dir": TOOLING,
    "nnlib.data.download.fetch_full": TOOLING,
    "nnlib.data.download.try_fetch_full": TOOLING,
    "nnlib.distributed.train_ddp.build_parser": TOOLING,
    "nnlib.distributed.train_ddp.load_gpt_checkpoint": TOOLING,
    "nnlib.distributed.train_ddp.main": TOOLING,
    "nnlib.distributed.train_ddp.parameter_digest": TOOLING,
    "nnlib.distributed.train_ddp.resolve_dtype": TOOLING,
    "nnlib.environment_report": TOOLING,
    "nnlib.jupyter_settings.install": TOOLING,
    "nnlib.jupyter_settings.overrides_path": TOOLING,
    "nnlib.utils.device_message": TOOLING,
    "nnlib.utils.in_colab": TOOLING,
    "nnlib.workspace.create": TOOLING,
    "nnlib.workspace.find_course": TOOLING,
    "nnlib.workspace.main": TOOLING,
    "nnlib.workspace.restore": TOOLING,
    "nnlib.widgets.diffusion.diffusion_scrubber": WRAPPER,
    "nnlib.widgets.gan.gan_trainer": WRAPPER,
    "nnlib.data.graphs.karate_club": NO_ARGS,
    "nnlib.exercises.check": CHECKED_ELSEWHERE,
    "nnlib.exercises.evaluate": CHECKED_ELSEWHERE,
}


def test_every_public_entry_point_is_fuzzed_or_exempt():
    entry_points = public_entry_points()
    covered = covered_objects()
    missing = sorted(q for q, obj in entry_points.items()
                     if id(obj) not in covered and q not in EXEMPT)
    stale = sorted(q for q in EXEMPT if q not in entry_points
                   or id(entry_points[q]) in covered)
    n_cov = sum(id(o) in covered for o in entry_points.values())
    print(f"\npublic entry points: {len(entry_points)}; fuzzed: {n_cov}; exempt: {len(EXEMPT)}")
    assert not missing, ("public entry points neither fuzzed nor exempt (add them to a fuzz "
                         "registry, or to EXEMPT with a reason):\n  " + "\n  ".join(missing))
    assert not stale, "stale exemptions (covered now, or gone):\n  " + "\n  ".join(stale)


def test_every_registry_target_is_an_nnlib_object():
    """A registry entry must name what it fuzzes: an nnlib class, function or method."""
    wrong = [target for target in registry_targets()
             if not getattr(target, "__module__", "").startswith("nnlib")
             or getattr(target, "__name__", "").startswith("<lambda")]
    assert not wrong, f"fuzz targets that are not nnlib entry points: {wrong}"


def test_no_entry_point_is_exempt_for_want_of_time():
    """An exemption gives a structural reason; 'not fuzzed yet' is a gap, not a reason."""
    gaps = sorted(q for q, reason in EXEMPT.items()
                  if any(word in reason.lower() for word in ("not fuzzed yet", "todo", "later")))
    assert not gaps, ("entry points exempt only because nobody fuzzed them yet:\n  "
                      + "\n  ".join(gaps))

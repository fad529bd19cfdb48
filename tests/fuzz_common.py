"""Issue 16: the one copy of the machinery every fuzz module ``tests/test_fuzz_*.py`` shares.

Not a test module (no ``test_`` prefix): the fuzz modules import from here.

**The oracle.** One argument at a time gets a bad value (Hypothesis, derandomised, a fixed
number of examples per argument); the call must work (and give finite results) or raise one of
nnlib's documented exceptions (TypeError, ValueError and its ShapeError/NonFiniteError,
NotForwardedError) with a message naming that argument. Values that can never be right for the
argument's kind (a bool or a string for a number, NaN, a complex number, an object, a number
for an array or a model) must be refused.

**The registry format.** A fuzz module lists its entry points in a module-level list
``ENTRIES`` (or any list whose name ends in ``_ENTRIES``) of 4-tuples
``(label, target, call, specs)``:

* ``label``: a short readable name (``"patches.patchify"``), unique within the module;
* ``target``: the nnlib object fuzzed (the class, the function, or the method
  ``ViT.forward``), so that ``tests/test_fuzz_coverage.py`` can tell which public entry points
  are covered; ``None`` when there is no single object;
* ``call``: a function ``call(**{name: value})`` running the entry point with every other
  argument at a good default (:func:`call` builds the usual one);
* ``specs``: ``{argument name: arg(...)}``, what each argument is (see :func:`arg`).

Entry points fuzzed only by hand-written tests (bad arrays into ``forward``) go in a
module-level list ``TARGETS`` of objects, so that they count as covered too.

A module then gets its scalar test in one line with :func:`scalar_test`, and reports its
counts with :meth:`Fuzzer.report`; ``tests/test_fuzz_part2.py`` is a full example.
"""

from __future__ import annotations

import json
import math
import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nnlib.errors import NotForwardedError

try:  # the NumPy-only fuzz (test_fuzz_api.py) must run without torch
    import torch
except ImportError:  # pragma: no cover - torch is installed in CI
    torch = None

# -- settings ----------------------------------------------------------------------------------
EXAMPLES = 12  # per entry point and argument; derandomised: every CI run draws the same cases
FUZZ = settings(max_examples=EXAMPLES, derandomize=True, deadline=None, database=None,
                suppress_health_check=list(HealthCheck), print_blob=False)
# nnlib's documented exceptions (ShapeError and NonFiniteError are ValueErrors)
DOCUMENTED = (TypeError, ValueError, NotForwardedError)

# -- bad scalars ---------------------------------------------------------------------------------
OBJECT = object()
# values no numeric argument may take (unless its spec says so: a bool flag, an optional, ...)
NEVER_OK = [True, False, math.nan, "1", None, 1j, OBJECT, [1], (2, 3)]
# values some arguments may take: then the result must be finite
MAYBE_OK = [0, -1, -2.5, 1.5, 3, np.float32(0.5), np.int64(2), math.inf, -math.inf, 1e308]
BAD_SCALARS = st.sampled_from(NEVER_OK + MAYBE_OK)


# -- results must be finite ----------------------------------------------------------------------
def _finite(obj) -> bool:
    """True when every array reachable in ``obj`` (results, parameters, histories) is finite."""
    if isinstance(obj, (tuple, list)):
        return all(_finite(o) for o in obj)
    if isinstance(obj, dict):
        return all(_finite(v) for v in obj.values())
    if torch is not None:
        if isinstance(obj, torch.Tensor):
            if not (obj.is_floating_point() or obj.is_complex()):
                return True
            return bool(torch.isfinite(obj.detach()).all())
        if isinstance(obj, torch.nn.Module):
            return all(bool(torch.isfinite(p.detach()).all()) for p in obj.parameters())
    from nnlib import autograd
    from nnlib.scratch.module import Module

    if isinstance(obj, Module):
        return all(bool(np.all(np.isfinite(p.data))) for p in obj.parameters())
    if isinstance(obj, autograd.Tensor):
        return _finite(obj.data)
    if hasattr(obj, "train_loss") and hasattr(obj, "val_loss"):  # a History of either half
        return _finite(list(obj.train_loss)) and _finite(list(obj.val_loss))
    if isinstance(obj, (np.ndarray, float, int, np.generic)) and not isinstance(obj, bool):
        arr = np.asarray(obj)
        return arr.dtype.kind not in "fc" or bool(np.all(np.isfinite(arr)))
    return True


# -- the case runner and its counts ----------------------------------------------------------------
class Fuzzer:
    """Runs cases for one fuzz module and counts them.

    ``name`` names the counts file ``<tmp>/nnlib_fuzz_counts_<name>.json`` (``""``:
    ``nnlib_fuzz_counts.json``); ``title`` is printed with the counts. ``strict_floats``: run
    each case under ``np.errstate(over/invalid/divide="raise")``, so a NumPy overflow inside is
    a raw error (the NumPy engine's fuzz uses it).
    """

    def __init__(self, name: str, title: str, *, documented: tuple = DOCUMENTED,
                 strict_floats: bool = False):
        self.name, self.title = name, title
        self.documented = documented
        self.strict_floats = strict_floats
        self.entry_points: set[str] = set()
        self.cases = 0

    def run(self, label: str, call, names: tuple[str, ...], must_fail: bool, *,
            documented: tuple = (), check=None):
        """Run ``call()``: it must raise a documented error naming one of ``names``, or (unless
        ``must_fail``) return a finite result (then ``check(result)`` if given).

        ``label`` looks like ``"Linear(dtype=...)"`` or ``"Linear.forward[nan]"``; the part
        before ``(`` or ``[`` is the entry point counted.
        """
        self.entry_points.add(label.split("(")[0].split("[")[0])
        self.cases += 1
        try:
            if self.strict_floats:
                with np.errstate(over="raise", invalid="raise", divide="raise",
                                 under="ignore"):
                    result = call()
            else:
                result = call()
        except self.documented + tuple(documented) as exc:
            message = str(exc)
            assert message and any(n in message for n in names), (
                f"{label}: {type(exc).__name__} does not name {names}: {message!r}")
            assert "Traceback" not in message
            return
        except FloatingPointError as exc:  # only under strict_floats: a NumPy overflow inside
            raise AssertionError(f"{label}: raw FloatingPointError from inside: {exc}") from exc
        assert not must_fail, f"{label}: accepted a value that can never be right"
        assert _finite(result), f"{label}: accepted and returned NaN/inf"
        if check is not None:
            check(result)

    def counts(self) -> dict:
        return {"entry_points": len(self.entry_points), "cases": self.cases,
                "examples_per_entry_point": EXAMPLES}

    def report(self) -> dict:
        """Print the counts and write them to ``<tmp>/nnlib_fuzz_counts[_<name>].json``."""
        counts = self.counts()
        suffix = f"_{self.name}" if self.name else ""
        Path(tempfile.gettempdir(), f"nnlib_fuzz_counts{suffix}.json").write_text(
            json.dumps(counts))
        print(f"\nfuzz ({self.title}): {counts['entry_points']} entry points, "
              f"{counts['cases']} generated cases")
        assert counts["cases"] > 0
        return counts


# -- what an argument is -----------------------------------------------------------------------
def arg(kind, none_ok=False, inf_ok=False, seq_ok=False, str_ok=False, bool_ok=False):
    """An argument's spec.

    ``kind``: ``"int"``/``"float"`` (a number: bools, strings, NaN, complex, sequences
    refused), ``"bool"`` (True or False only), ``"choice"`` (one of some strings),
    ``"object"`` (an array, a model, a loader, a function: no scalar fits), ``"device"`` (a
    str or torch.device), ``"path"`` (a str or Path), ``"text"`` (any str).
    ``none_ok``/``inf_ok``/``seq_ok``/``str_ok``/``bool_ok``: such values are documented.
    """
    return {"kind": kind, "none_ok": none_ok, "inf_ok": inf_ok, "seq_ok": seq_ok,
            "str_ok": str_ok, "bool_ok": bool_ok}


OBJ, OBJ_NONE = arg("object"), arg("object", none_ok=True)
INT, FLOAT, BOOL = arg("int"), arg("float"), arg("bool")
CHOICE = arg("choice", str_ok=True)
SEQ_OBJ = arg("object", seq_ok=True)
INT_PAIR = arg("int", seq_ok=True)
DTYPE = arg("choice", str_ok=True)  # a NumPy dtype or its name


def never_ok(spec, value) -> bool:
    """True when ``value`` can never be right for an argument of this spec."""
    kind = spec["kind"]
    if value is None:
        return not spec["none_ok"]
    if isinstance(value, (list, tuple)):
        return not spec["seq_ok"]
    if kind == "object":
        return True
    if kind == "bool":
        return not isinstance(value, (bool, np.bool_))
    if isinstance(value, (bool, np.bool_)):
        return not spec["bool_ok"]
    if isinstance(value, str):
        return not spec["str_ok"] or (value == "1" and kind in ("choice", "device"))
    if kind == "text":
        return True  # any string may be fine, nothing else is
    if kind in ("choice", "device", "path"):
        return True  # a number is never a name
    if isinstance(value, complex) or value is OBJECT:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    if isinstance(value, float) and math.isinf(value):
        return not spec["inf_ok"]
    return False


_never_ok = never_ok  # the name the older modules used


def call(target, *args, **defaults):
    """``call(target, *args, **defaults)(**k)`` runs ``target(*args, **{**defaults, **k})``:
    positional arguments stay fixed, keywords can be replaced."""
    def run(**k):
        return target(*args, **{**defaults, **k})
    return run


# -- the scalar test, built for a module's registry ------------------------------------------------
def scalar_test(fuzzer: Fuzzer, entries, *, aliases=None, other_errors=None,
                values=BAD_SCALARS, must_fail=None):
    """A pytest test: for every ``(label, argument)`` of ``entries``, ``EXAMPLES`` bad scalars.

    Assign it to a ``test_*`` name in the fuzz module::

        test_bad_argument_is_refused_with_its_name_or_works = scalar_test(FZ, ENTRIES)

    ``aliases``: ``{(label, argument): (other words a message may use, ...)}``;
    ``other_errors``: ``{(label, argument): exception class}`` also documented there;
    ``values``: the strategy drawing the bad values; ``must_fail(spec, value)``: the oracle
    (default :func:`never_ok`).
    """
    aliases, other_errors = aliases or {}, other_errors or {}
    oracle = must_fail or never_ok
    table = {label: (make, specs) for label, _, make, specs in entries}
    assert len(table) == len(entries), "duplicate labels in a fuzz registry"
    cases = [(label, name) for label, _, _, specs in entries for name in specs]

    @pytest.mark.parametrize("label, name", cases, ids=[f"{lab}-{n}" for lab, n in cases])
    @FUZZ
    @given(value=values)
    def test(label, name, value):
        make, specs = table[label]
        extra = (other_errors[(label, name)],) if (label, name) in other_errors else ()
        fuzzer.run(f"{label}({name}=...)", lambda: make(**{name: value}),
                   (name, *aliases.get((label, name), ())), oracle(specs[name], value),
                   documented=extra)

    return test


def entry_call(entries, label):
    """The ``call`` of the entry named ``label`` (for lists of bad arrays)."""
    return next(make for lab, _, make, _ in entries if lab == label)


def run_listed_cases(fuzzer: Fuzzer, entries, cases, *, aliases=None) -> None:
    """Every ``(label, argument, bad value, what it is)`` of ``cases`` once (a list, not
    drawn), each of which must be refused naming its argument (or one of ``aliases``); all
    the failures are reported together."""
    aliases = aliases or {}
    failures = []
    for label, name, value, what in cases:
        make = entry_call(entries, label)
        names = (name, *aliases.get((label, name), ()))
        try:
            fuzzer.run(f"{label}[{name}: {what}]", lambda m=make, k={name: value}: m(**k),
                       names, True)
        except AssertionError as exc:
            failures.append(str(exc).splitlines()[0])
        except Exception as exc:  # a raw error from inside
            failures.append(f"{label}[{name}: {what}]: raw {type(exc).__name__}: {exc}")
    assert not failures, "\n".join(failures)


def registry_targets(module) -> list:
    """The targets named by every module-level ``ENTRIES``/``*_ENTRIES`` list of ``module``,
    and the objects in its module-level list ``TARGETS`` (entry points its hand-written tests
    fuzz, such as layers given bad arrays), for ``tests/test_fuzz_coverage.py``."""
    targets = [t for t in getattr(module, "TARGETS", ()) if t is not None]
    for attr, value in vars(module).items():
        if not (attr == "ENTRIES" or attr.endswith("_ENTRIES")) or not isinstance(value, list):
            continue
        for entry in value:
            if isinstance(entry, tuple) and len(entry) == 4 and isinstance(entry[0], str):
                if entry[1] is not None:
                    targets.append(entry[1])
    return targets

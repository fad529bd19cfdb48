"""Issue 16: the property-based fuzz of ``nnlib.autograd`` entry points not fuzzed elsewhere:
``cross_entropy``, ``unbroadcast``, ``topological_order``, ``graph.run_backward`` and the
``nnlib.autograd.nn`` layers ``ReLU``, ``Tanh``, ``Sequential``, ``CrossEntropyLoss``.
(``Tensor``, ``Value``, ``nn.Linear`` and ``nn.SGD`` are fuzzed in ``test_fuzz_api.py``.)

The oracle is the one of ``tests/fuzz_common.py``: one argument at a time gets a bad value
(Hypothesis, derandomised, a fixed number of examples); the call must work (and give finite
results) or raise one of nnlib's documented exceptions with a message naming that argument.
The counts are printed at the end and written to ``<tmp>/nnlib_fuzz_counts_autograd.json``.
"""

from __future__ import annotations

import numpy as np
import pytest

from nnlib import autograd
from nnlib.autograd import nn as ann
from nnlib.autograd.graph import run_backward
from tests.fuzz_common import OBJ, Fuzzer, arg, call, entry_call, scalar_test

pytestmark = pytest.mark.slow  # hundreds of generated cases: make test runs them, unit-fast not

FZ = Fuzzer("autograd", "autograd: cross_entropy, graph, nn layers", strict_floats=True)

RNG = np.random.default_rng(0)
LOGITS = RNG.normal(size=(4, 3))
LABELS = np.array([0, 1, 2, 0])


def _logits():
    return autograd.Tensor(LOGITS)


def _graph():
    """A small graph: loss = mean(tanh(x @ w))."""
    x, w = autograd.Tensor(LOGITS), autograd.Tensor(RNG.normal(size=(3, 2)))
    return (x @ w).tanh().mean()


def _seeded():
    root = _graph()
    root.grad = np.ones_like(root.data)
    return root


def _model():
    return ann.Sequential(ann.Linear(3, 2, rng=0), ann.Tanh(), ann.Linear(2, 3, rng=0),
                          ann.ReLU())


ARRAY = arg("object", seq_ok=True)  # an array, a Tensor or a (nested) list of numbers

# (label, target, call(**k), {argument: spec}), the format of tests/fuzz_common.py
ENTRIES = [
    ("autograd.cross_entropy", autograd.cross_entropy,
     lambda **k: autograd.cross_entropy(**{"logits": _logits(), "targets": LABELS, **k}),
     {"logits": OBJ, "targets": OBJ}),
    ("nn.CrossEntropyLoss", ann.CrossEntropyLoss,
     lambda **k: ann.CrossEntropyLoss()(**{"logits": _logits(), "targets": LABELS, **k}),
     {"logits": OBJ, "targets": OBJ}),
    ("nn.ReLU", ann.ReLU, lambda **k: ann.ReLU()(**{"x": _logits(), **k}), {"x": ARRAY}),
    ("nn.Tanh", ann.Tanh, lambda **k: ann.Tanh()(**{"x": _logits(), **k}), {"x": ARRAY}),
    ("nn.Sequential", ann.Sequential,
     lambda **k: ann.Sequential(ann.Linear(3, 2, rng=0), k["layers"]), {"layers": OBJ}),
    ("nn.Sequential.forward", ann.Sequential.forward,
     lambda **k: _model()(**{"x": LOGITS, **k}), {"x": ARRAY}),
    ("autograd.topological_order", autograd.topological_order,
     lambda **k: autograd.topological_order(**{"root": _graph(), **k}), {"root": OBJ}),
    ("graph.run_backward", run_backward, lambda **k: run_backward(**{"root": _seeded(), **k}),
     {"root": OBJ}),
    ("autograd.unbroadcast", autograd.unbroadcast,
     call(autograd.unbroadcast, grad=np.ones((4, 3)), shape=(3,)),
     {"grad": OBJ, "shape": arg("int", seq_ok=True)}),
]
test_bad_argument_is_refused_with_its_name_or_works = scalar_test(FZ, ENTRIES)


# -- bad arrays, tensors and graphs: each must be refused, naming the argument ---------------
def _bad_data():
    t = autograd.Tensor
    return [
        ("autograd.cross_entropy", "logits", LOGITS, "a NumPy array, not a Tensor"),
        ("autograd.cross_entropy", "logits", t(LOGITS[0]), "1-D logits"),
        ("autograd.cross_entropy", "logits", t(np.ones((0, 3))), "no rows"),
        ("autograd.cross_entropy", "logits", t(np.ones((4, 0))), "no classes"),
        ("autograd.cross_entropy", "logits", t(LOGITS[:3]), "3 rows for 4 labels"),
        ("autograd.cross_entropy", "targets", LABELS.astype(float), "float labels"),
        ("autograd.cross_entropy", "targets", LABELS.astype(bool), "bool labels"),
        ("autograd.cross_entropy", "targets", np.array([0, 1, 3, 0]), "a class beyond C"),
        ("autograd.cross_entropy", "targets", np.array([0, -1, 2, 0]), "a negative class"),
        ("autograd.cross_entropy", "targets", LABELS[:, None], "(N, 1) labels"),
        ("autograd.cross_entropy", "targets", np.eye(4, 3), "one-hot rows"),
        ("autograd.cross_entropy", "targets", ["0", "1", "2", "0"], "strings"),
        ("autograd.cross_entropy", "targets", [[0], [1, 2]], "a ragged list"),
        ("nn.CrossEntropyLoss", "targets", np.array([0, 1, 5, 0]), "a class beyond C"),
        ("nn.CrossEntropyLoss", "logits", [[1.0, 2.0]], "a list, not a Tensor"),
        ("nn.ReLU", "x", np.ones(3) + 1j, "complex"),
        ("nn.ReLU", "x", np.full(3, np.nan), "NaN"),
        ("nn.ReLU", "x", np.array(["a", "b"]), "strings"),
        ("nn.ReLU", "x", [[1.0], [2.0, 3.0]], "a ragged list"),
        ("nn.Tanh", "x", np.full((2, 2), np.inf), "infinite"),
        ("nn.Tanh", "x", np.array([object()]), "objects"),
        ("nn.Sequential", "layers", ann.ReLU, "the class, not an instance"),
        ("nn.Sequential", "layers", np.tanh, "a NumPy function"),
        ("nn.Sequential.forward", "x", np.ones((4, 2)), "2 features for 3"),
        ("nn.Sequential.forward", "x", np.full((4, 3), np.nan), "NaN"),
        ("autograd.topological_order", "root", np.ones(3), "an array, not a node"),
        ("autograd.topological_order", "root", [_graph()], "a list of nodes"),
        ("graph.run_backward", "root", _graph(), "a result whose grad is not seeded"),
        ("graph.run_backward", "root", np.ones(3), "an array, not a node"),
        ("autograd.unbroadcast", "shape", (4,), "(4,) is not a shape (4, 3) broadcast from"),
        ("autograd.unbroadcast", "shape", (2, 3), "2 rows for 4"),
        ("autograd.unbroadcast", "shape", (5, 4, 3), "more axes than grad"),
        ("autograd.unbroadcast", "shape", (-1,), "a negative size"),
        ("autograd.unbroadcast", "shape", (3.0,), "a float size"),
        ("autograd.unbroadcast", "shape", (True,), "a bool size"),
        ("autograd.unbroadcast", "shape", "3", "a string"),
        ("autograd.unbroadcast", "grad", np.ones((4, 3)) + 1j, "complex"),
        ("autograd.unbroadcast", "grad", np.full((4, 3), np.nan), "NaN"),
        ("autograd.unbroadcast", "grad", np.full((4, 3), "a"), "strings"),
        ("autograd.unbroadcast", "grad", autograd.Tensor(np.ones((4, 3))), "a Tensor"),
    ]


BAD_DATA = _bad_data()


@pytest.mark.parametrize("case", BAD_DATA, ids=[f"{c[0]}-{c[1]}-{c[3]}" for c in BAD_DATA])
def test_bad_data_is_refused_with_its_name(case):
    label, name, value, what = case
    make = entry_call(ENTRIES, label)
    FZ.run(f"{label}[{name}: {what}]", lambda: make(**{name: value}), (name,), True)


def test_good_calls_still_work():
    """The fixes keep the engine's results: unbroadcast sums, backward fills leaves."""
    assert autograd.unbroadcast(np.ones((4, 3)), (3,)).tolist() == [4.0, 4.0, 4.0]
    assert autograd.unbroadcast(np.ones((4, 3)), (4, 1)).shape == (4, 1)
    assert autograd.unbroadcast(np.ones((4, 3)), 3).shape == (3,)
    loss = ann.CrossEntropyLoss()(_model()(LOGITS), LABELS)
    order = autograd.topological_order(loss)
    assert order[-1] is loss
    loss.backward()
    assert order[0] is not loss and len(order) > 10
    assert ann.Tanh()([[0.0]]).data.tolist() == [[0.0]]
    assert ann.ReLU()(np.array([-1.0, 2.0])).data.tolist() == [0.0, 2.0]


def test_zz_report_counts():
    """Last in the module: how much the fuzz covered (for the CI log and the issue note)."""
    FZ.report()

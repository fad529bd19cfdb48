"""Mistakes get a clear message that says what to fix (never a silent wrong answer)."""

import numpy as np
import pytest

import nnlib.scratch as S
from nnlib.scratch import init
from nnlib.scratch.module import NotForwardedError, ShapeError


def test_linear_wrong_feature_size_names_expected_and_received_shape():
    layer = S.Linear(784, 10, rng=0)
    with pytest.raises(ShapeError, match=r"Linear\(784, 10\).*last dimension 784.*\(8, 100\)"):
        layer(np.zeros((8, 100)))


def test_linear_single_example_without_batch_axis_gets_a_hint():
    with pytest.raises(ShapeError, match=r"got shape \(784,\).*x\[None, :\]"):
        S.Linear(784, 10, rng=0)(np.zeros(784))


def test_batchnorm_wrong_rank_names_expected_and_received_shape():
    with pytest.raises(ShapeError, match=r"BatchNorm1d.*\(N, features\).*\(2, 3, 4\)"):
        S.BatchNorm1d(3)(np.zeros((2, 3, 4)))


def test_layernorm_wrong_last_dimension():
    with pytest.raises(ShapeError, match=r"LayerNorm\(5.*last dimension 5.*\(3, 4\)"):
        S.LayerNorm(5)(np.zeros((3, 4)))


def test_batchnorm_training_with_a_single_example_says_what_to_do():
    with pytest.raises(ValueError, match=r"more than 1 example.*\(1, 3\).*\.eval\(\)"):
        S.BatchNorm1d(3)(np.zeros((1, 3)))


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize("layer", [S.Linear(3, 2, rng=0), S.ReLU(), S.Softmax(), S.LayerNorm(3)],
                         ids=repr)
def test_nan_or_inf_input_is_reported(layer, bad):
    x = np.ones((2, 3))
    x[1, 2] = bad
    with pytest.raises(ValueError, match=r"contains 1 NaN or infinite value"):
        layer(x)


def test_non_numeric_input_is_a_type_error():
    with pytest.raises(TypeError, match=r"numeric array.*dtype <U1"):
        S.ReLU()(np.array([["a", "b"]]))


@pytest.mark.parametrize("layer", [S.Linear(3, 2, rng=0), S.ReLU(), S.BatchNorm1d(3),
                                   S.LayerNorm(3), S.Dropout(0.5), S.Flatten(), S.Softmax(),
                                   S.Sequential(S.Linear(3, 2, rng=0))], ids=repr)
def test_backward_before_forward(layer):
    with pytest.raises(NotForwardedError, match=r"backward\(\) was called before forward.*"
                                                r"call forward\(x\)"):
        layer.backward(np.ones((2, 3)))


def test_loss_backward_before_forward():
    with pytest.raises(NotForwardedError, match=r"CrossEntropyLoss\(\)\.backward\(\).*before"):
        S.CrossEntropyLoss().backward()


def test_grad_out_of_the_wrong_shape():
    layer = S.Linear(3, 2, rng=0)
    layer(np.ones((4, 3)))
    with pytest.raises(ShapeError, match=r"grad_out of shape \(4, 2\).*got \(4, 3\)"):
        layer.backward(np.ones((4, 3)))


@pytest.mark.parametrize("p, error", [(1.0, ValueError), (-0.1, ValueError), (1.5, ValueError),
                                      ("0.5", TypeError), (None, TypeError), (True, TypeError)])
def test_bad_dropout_probability(p, error):
    with pytest.raises(error, match=r"Dropout: p must be a finite number in \[0, 1\), got"):
        S.Dropout(p)


def test_dropout_takes_numpy_floats_and_float16_input():
    assert S.Dropout(np.float32(0.5)).p == 0.5
    out = S.Dropout(0.5, rng=0)(np.ones((4, 4), dtype=np.float16))
    assert out.dtype == np.float16 and set(np.unique(out)) <= {0.0, 2.0}


@pytest.mark.parametrize("labels, low, high", [([0, 12, 3], 0, 12), ([-1, 2, 3], -1, 3)])
def test_class_labels_out_of_range_name_range_and_number_of_classes(labels, low, high):
    logits = np.zeros((3, 10))
    with pytest.raises(ValueError, match=rf"range 0\.\.9 \(pred has 10 classes\), got labels "
                                         rf"from {low} to {high}"):
        S.CrossEntropyLoss()(logits, np.array(labels))


def test_float_class_labels_are_refused_with_a_fix():
    with pytest.raises(ShapeError, match=r"float target of shape \(3,\).*astype\(int\).*\(3, 4\)"):
        S.CrossEntropyLoss()(np.zeros((3, 4)), np.array([0.0, 1.0, 3.0]))


def test_probability_target_of_the_wrong_shape_names_both_shapes():
    with pytest.raises(ShapeError, match=r"pred has shape \(3, 4\) but target has shape \(3, 5\)"):
        S.CrossEntropyLoss()(np.zeros((3, 4)), np.full((3, 5), 0.2))


def test_integer_labels_of_the_wrong_shape():
    with pytest.raises(ShapeError, match=r"shape \(N,\) = \(3,\).*got shape \(3, 1\)"):
        S.CrossEntropyLoss()(np.zeros((3, 4)), np.zeros((3, 1), dtype=int))


@pytest.mark.parametrize("loss_fn", [S.MSELoss(), S.L1Loss(), S.HuberLoss(), S.BCELoss(),
                                     S.BCEWithLogitsLoss()], ids=repr)
def test_regression_pred_target_shape_mismatch_names_both_shapes(loss_fn):
    with pytest.raises(ShapeError, match=r"pred has shape \(4, 1\) but target has shape \(4,\)"):
        loss_fn(np.full((4, 1), 0.5), np.zeros(4))


def test_nan_in_target_is_reported():
    with pytest.raises(ValueError, match=r"target contains 1 NaN"):
        S.MSELoss()(np.zeros(3), np.array([0.0, np.nan, 1.0]))


def test_bce_on_logits_points_to_bce_with_logits():
    with pytest.raises(ValueError, match=r"\[0, 1\].*-2 to 3.*BCEWithLogitsLoss"):
        S.BCELoss()(np.array([-2.0, 3.0]), np.array([0.0, 1.0]))


def test_nll_on_probabilities_points_to_cross_entropy():
    with pytest.raises(ValueError, match=r"log-probabilities.*CrossEntropyLoss"):
        S.NLLLoss()(np.full((2, 3), 0.4), np.array([0, 1]))


def test_gradcheck_on_float32_says_call_double():
    with pytest.raises(TypeError, match=r"float64.*float32.*\.double\(\)"):
        S.gradcheck(S.Linear(3, 2, rng=0), np.ones((2, 3)))
    with pytest.raises(TypeError, match=r"x is float32.*astype\(np\.float64\)"):
        S.gradcheck(S.ReLU(), np.ones((2, 3), dtype=np.float32))


class _BuggyLinear(S.Linear):
    """A learner's mistake: the weight gradient comes out half as large as it should."""

    def backward(self, grad_out):
        grad_x = super().backward(grad_out)
        self.weight.grad *= 0.5
        return grad_x


def test_gradcheck_catches_a_wrong_backward_and_names_the_tensor():
    layer = _BuggyLinear(3, 2, rng=0).double()
    x = np.random.default_rng(0).standard_normal((4, 3))
    with pytest.raises(S.GradcheckError, match=r"wrong gradients for weight \("):
        S.gradcheck(layer, x)
    report = S.gradcheck(layer, x, raise_on_failure=False)
    assert not report and report.failed == ["weight"]
    assert report.errors["bias"] < 1e-8 and report.errors["weight"] > 0.1


def test_sequential_refuses_a_class_instead_of_a_layer():
    with pytest.raises(TypeError, match=r"position 1.*forget to call the class"):
        S.Sequential(S.Linear(2, 2, rng=0), S.ReLU)


@pytest.mark.parametrize("make, match", [
    (lambda: S.Linear(0, 3), r"in_features must be an int >= 1, got 0"),
    (lambda: S.Linear(3, 2, init="he"), r"init must be one of"),
    (lambda: S.GELU("fast"), r"approximate must be one of 'none', 'tanh'"),
    (lambda: S.HuberLoss(delta=0), r"delta must be a finite number > 0"),
    (lambda: S.BatchNorm1d(3, momentum=2), r"momentum must be a finite number in \[0, 1\]"),
    (lambda: init.calculate_gain("swish"), r"nonlinearity must be one of .*got 'swish'"),
    (lambda: init.xavier_uniform((2, 3, 4)), r"weight shape \(d_in, d_out\), got \(2, 3, 4\)"),
])
def test_silly_settings_are_refused(make, match):
    with pytest.raises((ValueError, TypeError), match=match):
        make()

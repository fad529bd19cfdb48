"""Optimizers for the NumPy engine: SGD, RMSprop, Adam, AdamW and gradient clipping.

Each optimizer follows ``torch.optim``'s update equations exactly (tests compare
25+ steps against PyTorch in float64). Usage is the same as in PyTorch::

    opt = Adam(model.parameters(), lr=1e-3)
    for xb, yb in batches:
        opt.zero_grad()
        loss = loss_fn(model(xb), yb)
        model.backward(loss_fn.backward())
        opt.step()

Hyperparameters are plain attributes (``opt.lr``, ``opt.momentum``, ``opt.betas``)
so learning-rate schedulers can change them between steps. There are no parameter
groups: one set of hyperparameters for all parameters keeps the code readable.
"""

from __future__ import annotations

import copy
import math

import numpy as np

from nnlib import _checks
from nnlib.errors import NonFiniteError
from nnlib.scratch.module import Module, Parameter

# hyperparameters (of the optimizers here) that no update rule allows below 0
_NON_NEGATIVE = ("lr", "momentum", "dampening", "weight_decay", "eps", "alpha", "betas")


class Optimizer:
    """Base class: keeps the parameter list, one ``state`` dict per parameter, and ``lr``.

    Subclasses list their hyperparameter names in ``hyperparameters`` (for
    ``state_dict``) and define ``_update(param, grad, state)``.
    """

    hyperparameters: tuple[str, ...] = ("lr",)

    def __init__(self, params, lr: float):
        self.params = _as_parameter_list(params, type(self).__name__)
        self.lr = _checks.check_float(lr, "lr", minimum=0, where=type(self).__name__)
        self.state: list[dict] = [{} for _ in self.params]

    def zero_grad(self) -> None:
        """Set every parameter's gradient to zero (call before each backward pass)."""
        for p in self.params:
            p.zero_grad()

    def step(self) -> None:
        """Update every parameter in place from its ``.grad``.

        The hyperparameters are checked again first: a scheduler (or you) may have set
        ``lr`` to NaN after construction, which would silently turn every weight into NaN.
        """
        where = f"{type(self).__name__}.step"
        for name in self.hyperparameters:
            value = getattr(self, name)
            if isinstance(value, (bool, np.bool_)) and name != "lr":  # a flag (nesterov)
                continue
            values = value if name == "betas" and isinstance(value, (tuple, list)) \
                else (value,)
            if not all(_checks.is_real(v) for v in values):
                raise TypeError(f"{where}: {name} is {_checks.describe(value)}; set it to a "
                                "number, e.g. opt.lr = 0.01")
            if any(not math.isfinite(v) for v in values):
                raise NonFiniteError(f"{where}: {name} is {value}; set it to "
                                     "a finite number (did a scheduler or a division produce "
                                     "it?)")
            if name in _NON_NEGATIVE and any(v < 0 for v in values):
                raise ValueError(f"{where}: {name} is {value}; " + (
                    "a learning rate must be >= 0 (a negative one climbs the loss instead of "
                    "descending it)" if name == "lr" else "it must be >= 0"))
            if name == "betas" and (len(values) != 2 or any(v >= 1 for v in values)):
                raise ValueError(f"{where}: betas is {value}; it must be a pair of numbers in "
                                 "[0, 1), e.g. (0.9, 0.999) (a beta of 1 divides by zero in the "
                                 "bias correction)")
        for param, state in zip(self.params, self.state, strict=True):
            self._update(param, param.grad, state)

    def _update(self, param: Parameter, grad: np.ndarray, state: dict) -> None:
        raise NotImplementedError

    def state_dict(self) -> dict:
        """Hyperparameters and per-parameter buffers (deep copies)."""
        return {
            "hyperparameters": {k: getattr(self, k) for k in self.hyperparameters},
            "state": copy.deepcopy(self.state),
        }

    def load_state_dict(self, state_dict: dict) -> None:
        """Restore what :meth:`state_dict` returned (for the same parameter list)."""
        if len(state_dict["state"]) != len(self.params):
            raise ValueError(f"state_dict is for {len(state_dict['state'])} parameters, "
                             f"this optimizer has {len(self.params)}")
        for key, value in state_dict["hyperparameters"].items():
            setattr(self, key, value)
        self.state = copy.deepcopy(state_dict["state"])

    def __repr__(self) -> str:
        hp = ", ".join(f"{k}={getattr(self, k)!r}" for k in self.hyperparameters)
        return f"{type(self).__name__}({len(self.params)} parameters, {hp})"


class SGD(Optimizer):
    """Stochastic gradient descent, optionally with (Nesterov) momentum, as torch.optim.SGD.

    With ``g = grad + weight_decay * p``::

        buf = g                                   (first step)
        buf = momentum * buf + (1 - dampening) * g   (later steps)
        g   = g + momentum * buf  if nesterov  else  buf
        p   = p - lr * g
    """

    hyperparameters = ("lr", "momentum", "dampening", "weight_decay", "nesterov")

    def __init__(self, params, lr: float, momentum: float = 0.0, dampening: float = 0.0,
                 weight_decay: float = 0.0, nesterov: bool = False):
        super().__init__(params, lr)
        where = "SGD"
        momentum = _checks.check_float(momentum, "momentum", minimum=0, where=where)
        dampening = _checks.check_float(dampening, "dampening", minimum=0, maximum=1, where=where)
        nesterov = _checks.check_bool(nesterov, "nesterov", where=where)
        weight_decay = _checks.check_float(weight_decay, "weight_decay", minimum=0, where=where)
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("nesterov=True needs momentum > 0 and dampening = 0 "
                             f"(got momentum={momentum}, dampening={dampening}); "
                             "e.g. SGD(params, lr, momentum=0.9, nesterov=True)")
        self.momentum = float(momentum)
        self.dampening = float(dampening)
        self.nesterov = bool(nesterov)
        self.weight_decay = float(weight_decay)

    def _update(self, param, grad, state):
        if self.weight_decay:
            grad = grad + self.weight_decay * param.data
        if self.momentum:
            buf = state.get("momentum_buffer")
            if buf is None:
                buf = state["momentum_buffer"] = grad.copy()
            else:
                buf *= self.momentum
                buf += (1.0 - self.dampening) * grad
            grad = grad + self.momentum * buf if self.nesterov else buf
        param.data -= self.lr * grad


class RMSprop(Optimizer):
    """RMSprop (Hinton's lecture 6e) as torch.optim.RMSprop.

    With ``g = grad + weight_decay * p``::

        v   = alpha * v + (1 - alpha) * g**2
        avg = sqrt(v - m**2) + eps   if centered (m = running mean of g)  else  sqrt(v) + eps
        buf = momentum * buf + g / avg;  p = p - lr * buf     (momentum > 0)
        p   = p - lr * g / avg                                 (otherwise)
    """

    hyperparameters = ("lr", "alpha", "eps", "weight_decay", "momentum", "centered")

    def __init__(self, params, lr: float = 0.01, alpha: float = 0.99, eps: float = 1e-8,
                 weight_decay: float = 0.0, momentum: float = 0.0, centered: bool = False):
        super().__init__(params, lr)
        where = "RMSprop"
        alpha = _checks.check_float(alpha, "alpha", minimum=0, maximum=1, where=where)
        eps = _checks.check_float(eps, "eps", minimum=0, where=where)
        momentum = _checks.check_float(momentum, "momentum", minimum=0, where=where)
        centered = _checks.check_bool(centered, "centered", where=where)
        weight_decay = _checks.check_float(weight_decay, "weight_decay", minimum=0, where=where)
        self.alpha, self.eps, self.momentum = float(alpha), float(eps), float(momentum)
        self.centered, self.weight_decay = bool(centered), float(weight_decay)

    def _update(self, param, grad, state):
        if self.weight_decay:
            grad = grad + self.weight_decay * param.data
        if not state:
            state["square_avg"] = np.zeros_like(param.data)
            if self.centered:
                state["grad_avg"] = np.zeros_like(param.data)
            if self.momentum > 0:
                state["momentum_buffer"] = np.zeros_like(param.data)
        square_avg = state["square_avg"]
        square_avg *= self.alpha
        square_avg += (1.0 - self.alpha) * grad * grad
        if self.centered:
            grad_avg = state["grad_avg"]
            grad_avg += (1.0 - self.alpha) * (grad - grad_avg)
            avg = np.sqrt(square_avg - grad_avg * grad_avg)
        else:
            avg = np.sqrt(square_avg)
        avg += self.eps
        if self.momentum > 0:
            buf = state.get("momentum_buffer")
            if buf is None:  # momentum switched on after the first step (e.g. by OneCycleLR)
                buf = state["momentum_buffer"] = np.zeros_like(param.data)
            buf *= self.momentum
            buf += grad / avg
            param.data -= self.lr * buf
        else:
            param.data -= self.lr * grad / avg


class Adam(Optimizer):
    """Adam (Kingma & Ba, 2015) as torch.optim.Adam; ``weight_decay`` is L2 added to the gradient.

    With ``g = grad + weight_decay * p`` and step count ``t``::

        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g**2
        p = p - lr / (1 - beta1**t) * m / (sqrt(v) / sqrt(1 - beta2**t) + eps)
    """

    hyperparameters = ("lr", "betas", "eps", "weight_decay")
    decoupled_weight_decay = False

    def __init__(self, params, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0.0):
        super().__init__(params, lr)
        where = type(self).__name__
        self.betas = _checks.check_float_pair(betas, "betas", minimum=0, maximum=1,
                                              max_open=True, where=where)
        eps = _checks.check_float(eps, "eps", minimum=0, where=where)
        weight_decay = _checks.check_float(weight_decay, "weight_decay", minimum=0, where=where)
        self.eps, self.weight_decay = float(eps), float(weight_decay)

    def _update(self, param, grad, state):
        beta1, beta2 = self.betas
        if self.weight_decay:
            if self.decoupled_weight_decay:
                param.data *= 1.0 - self.lr * self.weight_decay
            else:
                grad = grad + self.weight_decay * param.data
        if not state:
            state["step"] = 0
            state["exp_avg"] = np.zeros_like(param.data)
            state["exp_avg_sq"] = np.zeros_like(param.data)
        state["step"] += 1
        t = state["step"]
        exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
        exp_avg += (1.0 - beta1) * (grad - exp_avg)  # = beta1 * m + (1 - beta1) * g
        exp_avg_sq *= beta2
        exp_avg_sq += (1.0 - beta2) * grad * grad
        step_size = self.lr / (1.0 - beta1**t)
        denom = np.sqrt(exp_avg_sq) / math.sqrt(1.0 - beta2**t)
        denom += self.eps
        param.data -= step_size * exp_avg / denom


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter, 2019) as torch.optim.AdamW.

    Before the Adam step the weights shrink: ``p = p * (1 - lr * weight_decay)``;
    the decay never enters ``m`` or ``v``.
    """

    decoupled_weight_decay = True

    def __init__(self, params, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 1e-2):
        super().__init__(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay)


def clip_grad_norm_(parameters, max_norm: float, norm_type: float = 2.0,
                    error_if_nonfinite: bool = False) -> float:
    """Scale all gradients together so their joint norm is at most ``max_norm``.

    As torch.nn.utils.clip_grad_norm_: the norm is taken over all gradients as if
    concatenated into one vector, gradients are multiplied by
    ``min(1, max_norm / (total_norm + 1e-6))``, and the norm *before* clipping is returned.
    """
    where = "clip_grad_norm_"
    params = _as_parameter_list(parameters, where)
    max_norm = _checks.check_float(max_norm, "max_norm", minimum=0, where=where)
    norm_type = _checks.check_float(norm_type, "norm_type", minimum=0, min_open=True,
                                    finite=False, where=where, hint="2.0 or math.inf")
    error_if_nonfinite = _checks.check_bool(error_if_nonfinite, "error_if_nonfinite",
                                            where=where)
    if math.isinf(norm_type):
        total = max(float(np.max(np.abs(p.grad), initial=0.0)) for p in params)
    else:
        with np.errstate(over="ignore"):
            per_param = [float(np.sum(np.abs(p.grad) ** norm_type)) for p in params]
            total = float(sum(per_param) ** (1.0 / norm_type))
        if not math.isfinite(total):  # |g|^p overflowed for a large p: scale by the max first
            largest = max(float(np.max(np.abs(p.grad), initial=0.0)) for p in params)
            if math.isfinite(largest) and largest > 0:
                with np.errstate(under="ignore"):
                    scaled = sum(float(np.sum((np.abs(p.grad) / largest) ** norm_type))
                                 for p in params)
                total = largest * scaled ** (1.0 / norm_type)
    if not math.isfinite(total) and error_if_nonfinite:  # RuntimeError, as PyTorch raises
        raise RuntimeError(f"the total gradient norm is {total}; the loss has probably "
                           "diverged: lower the learning rate")
    scale = min(1.0, max_norm / (total + 1e-6))
    for p in params:
        p.grad *= scale
    return total


# -- input checks ------------------------------------------------------------------------
def _as_parameter_list(params, who: str) -> list[Parameter]:
    """A list of distinct Parameters; a Module is accepted and its parameters() are used."""
    if isinstance(params, Module):
        params = params.parameters()
    elif isinstance(params, (Parameter, np.ndarray)):
        raise TypeError(f"{who} expects an iterable of Parameter objects, e.g. "
                        f"model.parameters(), got a single {type(params).__name__}; "
                        "wrap it in a list: [param]")
    try:
        params = list(params)
    except TypeError:
        raise TypeError(f"{who} expects model.parameters() (an iterable of Parameter), "
                        f"got {type(params).__name__}") from None
    if not params:
        raise ValueError(f"{who} got an empty parameter list; did the model define any layers "
                         "with weights? Pass model.parameters()")
    for i, p in enumerate(params):
        if not isinstance(p, Parameter):
            raise TypeError(f"{who}: item {i} is a {type(p).__name__}, not a Parameter; "
                            "pass model.parameters() or wrap arrays as Parameter(array)")
    if len({id(p) for p in params}) != len(params):
        raise ValueError(f"{who}: the same Parameter appears more than once in the list, "
                         "so it would be updated twice per step; pass each one once")
    return params

"""Transfer learning helpers (notebook 15): reuse a trained network on a new task.

The three usual recipes, all trained with :func:`nnlib.train.fit`:

* **linear probe**: freeze the pretrained network, compute its features once
  (:func:`extract_features`) and train only a new linear layer on them (:func:`linear_probe`);
* **fine-tuning**: train everything, but the pretrained part with a smaller learning rate than
  the new head (:func:`param_groups`), so that the new head can move fast without wrecking the
  features it relies on;
* **from scratch**: the same network from a random start, as the baseline.

:func:`few_labels` draws a small labelled set (k examples per class), and
:func:`torchvision_classifier` loads an ImageNet-pretrained torchvision network for grey
28 x 28 images, falling back to random weights with a one-line notice when offline.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np
import torch
from torch import nn

from nnlib import _checks
from nnlib.train.core import fit

__all__ = ["extract_features", "few_labels", "freeze", "linear_probe", "param_groups",
           "torchvision_classifier", "unfreeze"]


def _check_module(module, name: str, where: str) -> nn.Module:
    if not isinstance(module, nn.Module):
        raise TypeError(f"{where}: {name} must be a torch.nn.Module, got "
                        f"{_checks.describe(module)}")
    return module


def freeze(module: nn.Module) -> int:
    """Stop training ``module``: ``requires_grad = False`` for all its parameters.

    Returns how many numbers were frozen. (An optimizer built later skips them if it is given
    only the trainable ones; ``run_steps`` clips and measures only those.)
    """
    _check_module(module, "module", "freeze")
    count = 0
    for p in module.parameters():
        p.requires_grad_(False)
        count += p.numel()
    return count


def unfreeze(module: nn.Module) -> int:
    """Train ``module`` again (``requires_grad = True``); returns how many numbers."""
    _check_module(module, "module", "unfreeze")
    count = 0
    for p in module.parameters():
        p.requires_grad_(True)
        count += p.numel()
    return count


def param_groups(model: nn.Module, head: nn.Module, *, lr: float, pretrained_lr: float,
                 weight_decay: float = 0.0) -> list[dict]:
    """Optimizer parameter groups: ``head``'s parameters at ``lr``, every other trainable
    parameter of ``model`` (the pretrained part) at the smaller ``pretrained_lr``.

    Use as ``torch.optim.AdamW(param_groups(model, model.head, lr=3e-3, pretrained_lr=3e-4))``.
    """
    where = "param_groups"
    _check_module(model, "model", where)
    _check_module(head, "head", where)
    lr = _checks.check_float(lr, "lr", minimum=0, min_open=True, where=where)
    pretrained_lr = _checks.check_float(pretrained_lr, "pretrained_lr", minimum=0, where=where,
                                        hint="0 keeps the pretrained part as it is")
    weight_decay = _checks.check_float(weight_decay, "weight_decay", minimum=0, where=where)
    head_ids = {id(p) for p in head.parameters()}
    model_ids = {id(p) for p in model.parameters()}
    if not head_ids or not head_ids <= model_ids:
        raise ValueError(f"{where}: head must be a part of model with parameters (e.g. "
                         "model.head), so that the rest of model is the pretrained part")
    head_params = [p for p in head.parameters() if p.requires_grad]
    body_params = [p for p in model.parameters() if p.requires_grad and id(p) not in head_ids]
    return [{"params": body_params, "lr": pretrained_lr, "weight_decay": weight_decay},
            {"params": head_params, "lr": lr, "weight_decay": weight_decay}]


@torch.no_grad()
def extract_features(features: Callable, x: torch.Tensor, *, batch_size: int = 500,
                     module: nn.Module | None = None) -> torch.Tensor:
    """``features(x_batch)`` for all of ``x`` (N, ...) in batches, without gradients: (N, D).

    ``features`` is e.g. ``model.features``; ``module`` (default: the object ``features`` is
    a method of) is put in eval mode meanwhile (dropout off, BatchNorm statistics frozen).
    """
    where = "extract_features"
    _checks.check_callable(features, "features", where=where)
    batch_size = _checks.check_int(batch_size, "batch_size", minimum=1, where=where)
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"{where}: x must be a torch tensor (N, ...), got "
                        f"{_checks.describe(x)}")
    if module is not None:
        _check_module(module, "module", where)
    module = getattr(features, "__self__", None) if module is None else module
    was_training = module.training if isinstance(module, nn.Module) else None
    if was_training is not None:
        module.eval()
    try:
        out = [features(x[i:i + batch_size]) for i in range(0, len(x), batch_size)]
    finally:
        if was_training is not None:
            module.train(was_training)
    if not out:
        raise ValueError(f"{where}: x is empty (shape {tuple(x.shape)})")
    return torch.cat(out)


def linear_probe(train_features: torch.Tensor, train_labels: torch.Tensor, num_classes: int,
                 *, epochs: int = 100, lr: float = 1e-2, weight_decay: float = 1e-4,
                 batch_size: int | None = None, seed: int = 0) -> nn.Linear:
    """Train a new ``Linear(D, num_classes)`` on frozen features (N, D) with labels (N,).

    The features are computed once (:func:`extract_features`), so each epoch costs one small
    matrix product: a probe is cheap. Trained with :func:`nnlib.train.fit` and AdamW, the
    whole set in one batch unless ``batch_size`` is given.
    """
    where = "linear_probe"
    num_classes = _checks.check_int(num_classes, "num_classes", minimum=2, where=where)
    epochs = _checks.check_int(epochs, "epochs", minimum=1, where=where)
    seed = _checks.check_seed(seed, optional=False, where=where)
    lr = _checks.check_float(lr, "lr", minimum=0, min_open=True, maximum=10, where=where,
                             hint="AdamW's learning rate, e.g. 1e-2")
    weight_decay = _checks.check_float(weight_decay, "weight_decay", minimum=0, maximum=1,
                                       where=where)
    if not (isinstance(train_features, torch.Tensor) and train_features.ndim == 2):
        raise ValueError(f"{where}: train_features must be a (N, D) tensor, got "
                         f"{_checks.describe(train_features)}")
    if not isinstance(train_labels, torch.Tensor) or train_labels.shape != train_features.shape[:1]:
        raise ValueError(f"{where}: train_labels must be a tensor of shape "
                         f"({len(train_features)},), one label per row of train_features, got "
                         f"{_checks.describe(train_labels)}")
    _checks.check_tensor(train_labels, "train_labels", where=where, floating=False)
    if train_labels.numel() and (int(train_labels.min()) < 0
                                 or int(train_labels.max()) >= num_classes):
        raise ValueError(f"{where}: train_labels must hold classes 0 .. num_classes - 1 = "
                         f"{num_classes - 1}, got values from {int(train_labels.min())} to "
                         f"{int(train_labels.max())}")
    batch_size = len(train_features) if batch_size is None else _checks.check_int(
        batch_size, "batch_size", minimum=1, where=where)
    generator = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    probe = nn.Linear(train_features.shape[1], num_classes).to(train_features.device)
    loader = torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(train_features.detach(), train_labels),
        batch_size=batch_size, shuffle=True, generator=generator)
    optimizer = torch.optim.AdamW(probe.parameters(), lr=lr, weight_decay=weight_decay)
    fit(probe, loader, optimizer, epochs=epochs, device=train_features.device, progress=False,
        verbose=False)
    return probe


def few_labels(labels, per_class: int, *, classes: Iterable[int] | None = None,
               seed: int = 0) -> np.ndarray:
    """Indices of ``per_class`` examples of each class in ``classes`` (default: all classes
    in ``labels``), drawn without replacement with a seeded generator, sorted."""
    where = "few_labels"
    labels = _checks.check_array(labels, "labels", where=where, ndim=1, dtype="int")
    per_class = _checks.check_int(per_class, "per_class", minimum=1, where=where)
    seed = _checks.check_seed(seed, optional=False, where=where)
    if classes is None:
        classes = np.unique(labels)
    else:
        _checks.check_iterable(classes, "classes", where=where,
                               hint="pass a list of class numbers such as [0, 1]")
        classes = [_checks.check_int(c, "classes", where=where) for c in classes]
    rng = np.random.default_rng(seed)
    picked = []
    for c in classes:
        pool = np.flatnonzero(labels == c)
        if len(pool) < per_class:
            raise ValueError(f"{where}: class {c} (of classes) has only {len(pool)} examples, "
                             f"fewer than per_class={per_class}")
        picked.append(rng.choice(pool, per_class, replace=False))
    return np.sort(np.concatenate(picked))


def torchvision_classifier(name: str = "resnet18", num_classes: int = 10, *,
                           pretrained: bool = True) -> tuple[nn.Module, bool]:
    """A torchvision network for grey images with a new ``num_classes``-way head.

    With ``pretrained``, the ImageNet weights are downloaded once (torchvision caches them);
    the first convolution's three colour filters are summed into one grey filter, so a grey
    image gives the response the colour network gives to the same grey image in RGB. When the
    weights cannot be fetched (offline), one line says so and the network starts from random
    weights instead. Returns ``(model, loaded)``: ``loaded`` says whether pretrained weights
    are in it. Only ResNets (``resnet18``, ``resnet34``, ...) are supported.
    """
    where = "torchvision_classifier"
    if not isinstance(name, str) or not name.startswith("resnet"):
        raise ValueError(f"{where}: name must be a torchvision ResNet such as 'resnet18', got "
                         f"{_checks.describe(name)}")
    num_classes = _checks.check_int(num_classes, "num_classes", minimum=2, where=where)
    pretrained = _checks.check_bool(pretrained, "pretrained", where=where)
    import torchvision

    model, loaded = None, False
    if pretrained:
        try:
            model = torchvision.models.get_model(name, weights="DEFAULT")
            loaded = True
        except Exception as err:  # offline, blocked, or a broken download: say so, go on
            reason = " ".join(str(err).split())[:200] or type(err).__name__
            print(f"nnlib: could not load pretrained {name} weights ({reason}); training the "
                  "same network from random weights instead.")
    if model is None:
        model = torchvision.models.get_model(name, weights=None)
    old = model.conv1
    grey = nn.Conv2d(1, old.out_channels, old.kernel_size, old.stride, old.padding, bias=False)
    with torch.no_grad():
        grey.weight.copy_(old.weight.sum(dim=1, keepdim=True))   # (64, 3, 7, 7) -> (64, 1, 7, 7)
    model.conv1 = grey
    model.fc = nn.Linear(model.fc.in_features, num_classes)
    return model, loaded

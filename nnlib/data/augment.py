"""Data augmentation for images (PyTorch tensors): small random shifts.

Pass a transform to ``mnist_dataloaders(transform=...)``; it is applied to each training
image ``(C, H, W)`` every time the image is drawn.
"""

from __future__ import annotations

from nnlib._checks import check_float, check_int, describe
from nnlib.errors import ShapeError

__all__ = ["RandomShift", "shift_image"]


class RandomShift:
    """Move a (C, H, W) image by up to ``max_shift`` pixels in each direction (augmentation).

    Pixels that move in are filled with ``fill`` (use the background value: with nnlib's
    standardised MNIST that is ``(0 - MNIST_MEAN) / MNIST_STD``). Draws from torch's global
    generator, which ``set_seed`` seeds.
    """

    def __init__(self, max_shift: int = 2, fill: float = 0.0):
        self.max_shift = check_int(max_shift, "max_shift", minimum=0, where="RandomShift")
        self.fill = check_float(fill, "fill", where="RandomShift")

    def __call__(self, image):
        import torch

        _check_image(image, "RandomShift")
        m = self.max_shift
        if m == 0:
            return image
        dy, dx = (int(v) for v in torch.randint(-m, m + 1, (2,)))
        return shift_image(image, dy, dx, self.fill)

    def __repr__(self) -> str:
        return f"RandomShift(max_shift={self.max_shift}, fill={self.fill:g})"


def shift_image(image, dy: int, dx: int, fill: float = 0.0):
    """``image: (C, H, W)`` moved ``dy`` pixels down and ``dx`` right; the gap gets ``fill``."""
    import torch

    _check_image(image, "shift_image")
    dy = check_int(dy, "dy", where="shift_image")
    dx = check_int(dx, "dx", where="shift_image")
    fill = check_float(fill, "fill", where="shift_image")
    if not image.is_floating_point() and not float(fill).is_integer():
        raise ValueError(f"shift_image: fill={fill:g} cannot be stored in an image of dtype "
                         f"{image.dtype}; use a whole number or image.float()")
    limit = (torch.finfo(image.dtype).max if image.is_floating_point()
             else torch.iinfo(image.dtype).max)
    if abs(fill) > limit:
        raise ValueError(f"shift_image: fill={fill:g} does not fit in an image of dtype "
                         f"{image.dtype} (largest {limit:g}); use a pixel value")
    _, h, w = image.shape
    out = torch.full_like(image, fill)
    if abs(dy) >= h or abs(dx) >= w:
        return out
    out[:, max(dy, 0):h + min(dy, 0), max(dx, 0):w + min(dx, 0)] = \
        image[:, max(-dy, 0):h + min(-dy, 0), max(-dx, 0):w + min(-dx, 0)]
    return out


def _check_image(image, where: str) -> None:
    """One image: a floating torch tensor (C, H, W)."""
    import torch

    if not isinstance(image, torch.Tensor):
        raise TypeError(f"{where}: image must be a torch tensor of shape (C, H, W), got "
                        f"{describe(image)}"
                        + ("; use torch.from_numpy(image)" if hasattr(image, "shape") else ""))
    if image.ndim != 3:
        raise ShapeError(f"{where} expects one image of shape (C, H, W), got shape "
                         f"{tuple(image.shape)}"
                         + ("; add the channel axis with image[None]" if image.ndim == 2 else ""))

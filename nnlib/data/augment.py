"""Data augmentation for images (PyTorch tensors): small random shifts.

Pass a transform to ``mnist_dataloaders(transform=...)``; it is applied to each training
image ``(C, H, W)`` every time the image is drawn.
"""

from __future__ import annotations

from nnlib._checks import check_float, check_int

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

        if image.ndim != 3:
            raise ValueError(f"RandomShift expects one image of shape (C, H, W), got "
                             f"{tuple(image.shape)}")
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

    _, h, w = image.shape
    out = torch.full_like(image, fill)
    if abs(dy) >= h or abs(dx) >= w:
        return out
    out[:, max(dy, 0):h + min(dy, 0), max(dx, 0):w + min(dx, 0)] = \
        image[:, max(-dy, 0):h + min(-dy, 0), max(-dx, 0):w + min(-dx, 0)]
    return out

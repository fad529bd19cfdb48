"""nnlib's NumPy Conv2d / MaxPool2d vs PyTorch on the CPU (not a test; prints numbers).

    python benchmarks/bench_conv.py

Each row times one forward plus one backward pass (float32, gradients w.r.t. the input and
the weights), best of several runs, and prints nnlib / torch. The course's target for the
convolution layers is a ratio of at most 3.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from nnlib.scratch import Conv2d, MaxPool2d

# name, batch, in_channels, out_channels, image size, kernel, stride, padding
CONV_CASES = [
    ("LeNet conv1   64x1x28x28, 6@5x5 pad 2", 64, 1, 6, 28, 5, 1, 2),
    ("LeNet conv2   64x6x14x14, 16@5x5", 64, 6, 16, 14, 5, 1, 0),
    ("larger        64x32x14x14, 64@3x3 pad 1", 64, 32, 64, 14, 3, 1, 1),
    ("strided       64x32x28x28, 64@3x3 s2 p1", 64, 32, 64, 28, 3, 2, 1),
]


def best_ms(step, repeat: int) -> float:
    step()  # warm-up (allocations, torch's kernel choice)
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        step()
        best = min(best, time.perf_counter() - start)
    return 1000 * best


def conv_steps(n, c, f, size, k, s, p):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((n, c, size, size)).astype(np.float32)
    ours = Conv2d(c, f, k, stride=s, padding=p, rng=0)
    theirs = ours.to_torch()
    xt = torch.tensor(x, requires_grad=True)
    grad = rng.standard_normal(theirs(xt).shape).astype(np.float32)
    grad_t = torch.from_numpy(grad)

    def nnlib_step():
        ours.zero_grad()
        ours.forward(x)
        ours.backward(grad)

    def torch_step():
        theirs.zero_grad()
        xt.grad = None
        theirs(xt).backward(grad_t)

    return nnlib_step, torch_step


def pool_steps(n, c, size):
    x = np.random.default_rng(1).standard_normal((n, c, size, size)).astype(np.float32)
    ours, theirs = MaxPool2d(2), torch.nn.MaxPool2d(2)
    xt = torch.tensor(x, requires_grad=True)
    grad = np.ones((n, c, size // 2, size // 2), dtype=np.float32)
    grad_t = torch.from_numpy(grad)

    def nnlib_step():
        ours.forward(x)
        ours.backward(grad)

    def torch_step():
        xt.grad = None
        theirs(xt).backward(grad_t)

    return nnlib_step, torch_step


def main(repeat: int = 30) -> None:
    print(f"torch {torch.__version__}, {torch.get_num_threads()} thread(s); NumPy "
          f"{np.__version__}; forward + backward, float32, best of {repeat}")
    print(f"{'layer':<42} {'nnlib ms':>9} {'torch ms':>9} {'ratio':>6}")
    rows = [(name, conv_steps(*args)) for name, *args in CONV_CASES]
    rows.append(("MaxPool2d(2)  64x32x28x28", pool_steps(64, 32, 28)))
    for name, (nnlib_step, torch_step) in rows:
        ours, theirs = best_ms(nnlib_step, repeat), best_ms(torch_step, repeat)
        print(f"{name:<42} {ours:9.2f} {theirs:9.2f} {ours / theirs:6.2f}")


if __name__ == "__main__":
    main()

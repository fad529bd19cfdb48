"""How fast is nnlib's NumPy engine next to PyTorch on the CPU?

Trains the same MNIST-sized MLP 784-256-128-10 (ReLU, cross-entropy, SGD with momentum or
Adam, batch 128, float32) in both engines, from the same weights on the same random
MNIST-shaped data, with the same number of threads, and prints ms per training step, the
ratio, and the GFLOP/s each reached next to plain float32 matrix products of the same sizes.

    python benchmarks/bench_engine.py [--steps 200] [--optimizer adam] [--threads 2]

FLOPs per step: each Linear layer does 3 matrix products (forward X @ W, dW = X.T @ G,
dX = G @ W.T), each 2·N·in·out FLOPs; everything else (ReLU, softmax, updates) is O(N·d)
and counted as overhead. PyTorch skips dX of the first layer (its input needs no gradient).
This is a script, not a test: it prints numbers and asserts nothing.
"""

from __future__ import annotations

import argparse
import ctypes
import glob
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from nnlib.scratch import SGD, Adam, CrossEntropyLoss, Linear, ReLU, Sequential

SIZES = (784, 256, 128, 10)
BATCH = 128


# -- threads ------------------------------------------------------------------------------
def _openblas():
    """numpy's bundled OpenBLAS as a ctypes library, or None (e.g. MKL or Accelerate builds)."""
    libs_dir = Path(np.__file__).resolve().parent.parent / "numpy.libs"
    for path in glob.glob(str(libs_dir / "*openblas*")):
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        for prefix in ("scipy_openblas", "openblas"):
            for suffix in ("64_", ""):
                get = getattr(lib, f"{prefix}_get_num_threads{suffix}", None)
                put = getattr(lib, f"{prefix}_set_num_threads{suffix}", None)
                if get is not None and put is not None:
                    return get, put
    return None


def set_threads(n: int) -> str:
    """Use ``n`` threads in torch and (when it can be set) numpy's BLAS; describe the result."""
    torch.set_num_threads(n)
    blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
    name = f"{blas.get('name', '?')} {blas.get('version', '')}".strip()
    handles = _openblas()
    if handles is None:
        numpy_threads = f"unknown (set OMP_NUM_THREADS={n} before starting to be sure)"
    else:
        get, put = handles
        put(n)
        numpy_threads = str(get())
    return (f"torch {torch.__version__}: {torch.get_num_threads()} threads; "
            f"numpy {np.__version__} with {name}: {numpy_threads} threads")


# -- the two engines ----------------------------------------------------------------------
def make_models(optimizer: str):
    rng = np.random.default_rng(0)
    layers: list = []
    for i, (d_in, d_out) in enumerate(zip(SIZES[:-1], SIZES[1:], strict=True)):
        layers.append(Linear(d_in, d_out, rng=rng))
        if i < len(SIZES) - 2:
            layers.append(ReLU())
    ours = Sequential(*layers)
    theirs = torch.nn.Sequential(*[layer.to_torch() if isinstance(layer, Linear)
                                   else torch.nn.ReLU() for layer in ours])
    if optimizer == "sgd":
        opt = SGD(ours.parameters(), lr=0.01, momentum=0.9)
        topt = torch.optim.SGD(theirs.parameters(), lr=0.01, momentum=0.9)
    else:
        opt = Adam(ours.parameters(), lr=1e-3)
        # foreach=False: the plain per-tensor loop, like ours (the default is about the same here)
        topt = torch.optim.Adam(theirs.parameters(), lr=1e-3, foreach=False)
    return ours, opt, theirs, topt


def numpy_steps(model, opt, loss_fn, batches, steps):
    losses = []
    for i in range(steps):
        xb, yb = batches[i % len(batches)]
        opt.zero_grad()
        losses.append(loss_fn(model(xb), yb))
        model.backward(loss_fn.backward())
        opt.step()
    return losses


def torch_steps(model, opt, loss_fn, batches, steps):
    losses = []
    for i in range(steps):
        xb, yb = batches[i % len(batches)]
        opt.zero_grad()
        loss = loss_fn(model(xb), yb)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return losses


def numpy_steps_without_first_dx(model, opt, loss_fn, batches, steps):
    """What-if: the NumPy step minus layer 1's input gradient, which torch never computes."""
    first, rest = model[0], model[1:]
    for i in range(steps):
        xb, yb = batches[i % len(batches)]
        opt.zero_grad()
        loss_fn(rest(first(xb)), yb)
        g = rest.backward(loss_fn.backward())
        first.weight.grad += xb.T @ g  # Linear.backward without its `g @ W.T`
        first.bias.grad += g.sum(axis=0)
        opt.step()


def best_times(jobs: dict, repeats: int) -> dict:
    """Shortest wall time (s) of each job over ``repeats`` rounds, the jobs interleaved.

    Interleaving and taking the minimum make the comparison fair on a busy machine:
    other processes can only ever add time.
    """
    best = dict.fromkeys(jobs, float("inf"))
    for _ in range(repeats):
        for name, fn in jobs.items():
            start = time.perf_counter()
            fn()
            best[name] = min(best[name], time.perf_counter() - start)
    return best


# -- plain matrix products of the same sizes ------------------------------------------------
def matmul_operands(lib: str):
    """The 9 products of one training step: per layer X @ W, X.T @ G and G @ W.T."""
    rng = np.random.default_rng(1)
    ops = []
    for d_in, d_out in zip(SIZES[:-1], SIZES[1:], strict=True):
        x = rng.standard_normal((BATCH, d_in), dtype=np.float32)
        w = rng.standard_normal((d_in, d_out), dtype=np.float32)
        g = rng.standard_normal((BATCH, d_out), dtype=np.float32)
        if lib == "torch":
            x, w, g = (torch.from_numpy(a) for a in (x, w, g))
        ops += [(x, w), (x.T, g), (g, w.T)]
    return ops


def matmul_step(ops):
    for a, b in ops:
        a @ b


# -- numpy step broken into its parts -----------------------------------------------------------
def numpy_profile(model, opt, loss_fn, batches, steps):
    """Mean ms per step spent in each layer's forward/backward, the loss and the update."""
    parts: dict[str, float] = {}

    def add(key, start):
        parts[key] = parts.get(key, 0.0) + time.perf_counter() - start

    for i in range(steps):
        xb, yb = batches[i % len(batches)]
        t = time.perf_counter()
        opt.zero_grad()
        add("zero_grad", t)
        h = xb
        for j, layer in enumerate(model):
            t = time.perf_counter()
            h = layer(h)
            add(f"forward  {j} {type(layer).__name__}", t)
        t = time.perf_counter()
        loss_fn(h, yb)
        g = loss_fn.backward()
        add("loss forward+backward", t)
        for j, layer in reversed(list(enumerate(model))):
            t = time.perf_counter()
            g = layer.backward(g)
            add(f"backward {j} {type(layer).__name__}", t)
        t = time.perf_counter()
        opt.step()
        add("optimizer step", t)
    return {k: 1e3 * v / steps for k, v in parts.items()}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=200, help="timed steps per repeat")
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--optimizer", choices=["sgd", "adam"], default="sgd")
    parser.add_argument("--threads", type=int, default=torch.get_num_threads())
    args = parser.parse_args(argv)

    print(f"{platform.processor() or platform.machine()}, {os.cpu_count()} logical CPUs")
    print(set_threads(args.threads))
    if hasattr(os, "getloadavg") and os.getloadavg()[0] > (os.cpu_count() or 1):
        print(f"warning: load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs: other "
              "processes are competing, so times are inflated (multi-threaded BLAS most of all)")
    rng = np.random.default_rng(0)
    n_batches = 16
    X = rng.standard_normal((n_batches * BATCH, SIZES[0]), dtype=np.float32)
    y = rng.integers(0, SIZES[-1], size=n_batches * BATCH)
    np_batches = [(X[i * BATCH:(i + 1) * BATCH], y[i * BATCH:(i + 1) * BATCH])
                  for i in range(n_batches)]
    torch_batches = [(torch.from_numpy(xb), torch.from_numpy(yb)) for xb, yb in np_batches]

    ours, opt, theirs, topt = make_models(args.optimizer)
    loss_fn, tloss_fn = CrossEntropyLoss(), torch.nn.CrossEntropyLoss()
    a = numpy_steps(ours, opt, loss_fn, np_batches, args.warmup)
    b = torch_steps(theirs, topt, tloss_fn, torch_batches, args.warmup)
    print(f"same start: first losses {a[0]:.4f} (numpy) vs {b[0]:.4f} (torch); "
          f"after {args.warmup} warm-up steps {a[-1]:.4f} vs {b[-1]:.4f}")

    np_ops, torch_ops = matmul_operands("numpy"), matmul_operands("torch")
    matmul_step(np_ops)
    matmul_step(torch_ops)
    n = args.steps
    times = best_times({
        "numpy": lambda: numpy_steps(ours, opt, loss_fn, np_batches, n),
        "torch": lambda: torch_steps(theirs, topt, tloss_fn, torch_batches, n),
        "numpy_no_dx1": lambda: numpy_steps_without_first_dx(ours, opt, loss_fn, np_batches, n),
        "mm_numpy": lambda: [matmul_step(np_ops) for _ in range(n)],
        "mm_torch": lambda: [matmul_step(torch_ops) for _ in range(n)],
    }, args.repeats)
    t_numpy, t_torch, t_no_dx1, t_mm_numpy, t_mm_torch = (
        times[k] / n for k in ("numpy", "torch", "numpy_no_dx1", "mm_numpy", "mm_torch"))

    layer_flops = [2 * BATCH * d_in * d_out for d_in, d_out in zip(SIZES[:-1], SIZES[1:],
                                                                   strict=True)]
    flops = 3 * sum(layer_flops)  # the nominal count: 3 products per layer
    torch_flops = flops - layer_flops[0]  # torch does not compute dX of layer 1

    def gflops(f, seconds):
        return f / seconds / 1e9

    print(f"\nMLP {'-'.join(map(str, SIZES))}, batch {BATCH}, float32, {args.optimizer}, "
          f"best of {args.repeats} interleaved runs of {args.steps} steps, "
          f"{flops / 1e6:.1f} MFLOP of matrix products per step")
    print(f"{'':28}{'ms/step':>9}{'GFLOP/s':>9}")
    print(f"{'nnlib (NumPy)':28}{1e3 * t_numpy:9.3f}{gflops(flops, t_numpy):9.1f}")
    print(f"{'PyTorch':28}{1e3 * t_torch:9.3f}{gflops(flops, t_torch):9.1f}"
          f"   (performs {torch_flops / 1e6:.1f} MFLOP: {gflops(torch_flops, t_torch):.1f})")
    print(f"{'9 plain matmuls, NumPy':28}{1e3 * t_mm_numpy:9.3f}{gflops(flops, t_mm_numpy):9.1f}")
    print(f"{'9 plain matmuls, PyTorch':28}{1e3 * t_mm_torch:9.3f}{gflops(flops, t_mm_torch):9.1f}")
    print(f"{'NumPy without layer-1 dX':28}{1e3 * t_no_dx1:9.3f}"
          f"{gflops(torch_flops, t_no_dx1):9.1f}   (what-if: skip it, as torch does)")
    print(f"ratio numpy / torch: {t_numpy / t_torch:.2f}x (target <= 1.5x); "
          f"without layer-1 dX: {t_no_dx1 / t_torch:.2f}x")
    print(f"share of the step spent in matmuls: numpy {t_mm_numpy / t_numpy:.0%}, "
          f"torch {t_mm_torch * torch_flops / flops / t_torch:.0%}")

    print("\nwhere the NumPy step's time goes (ms/step):")
    profile = numpy_profile(ours, opt, loss_fn, np_batches, args.steps)
    for key, ms in sorted(profile.items(), key=lambda kv: -kv[1]):
        print(f"  {key:32}{ms:7.3f}")
    print(f"  {'total':32}{sum(profile.values()):7.3f}")


if __name__ == "__main__":
    main()

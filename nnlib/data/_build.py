"""Rebuild the data files shipped inside nnlib from their sources.

    python -m nnlib.data._build PATH/TO/shared/data

Reads ``mnist_5k.csv.gz`` (5,000 MNIST digits, 500 per class, sorted by class)
and ``tinyshakespeare.txt``, checks their SHA-256 against the values recorded
below, and writes ``files/mnist_5k.npz`` and ``files/tinyshakespeare.txt.gz``.

The MNIST split is stratified: with a fixed seed, each class gives 400 digits
to the training set and 100 to the test set; each set is then shuffled so the
classes are mixed.
"""

from __future__ import annotations

import gzip
import hashlib
import sys
from pathlib import Path

import numpy as np

SOURCE_SHA256 = {
    "mnist_5k.csv.gz": "846f6cad587fea3877f6e0fe0a1968dfc68867ce170d3bc9fc2dccdbed17961d",
    "tinyshakespeare.txt": "86c4e6aa9db7c042ec79f339dcb96d42b0075e16b8fc2e86bf0ca57e2dc565ed",
}
SPLIT_SEED = 2024
TEST_PER_CLASS = 100
FILES_DIR = Path(__file__).with_name("files")


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def read_source(source_dir: Path, name: str) -> Path:
    path = source_dir / name
    digest = sha256_of(path)
    if digest != SOURCE_SHA256[name]:
        raise ValueError(f"{path}: sha256 {digest} does not match the recorded source")
    return path


def split_mnist(images: np.ndarray, labels: np.ndarray, seed: int = SPLIT_SEED):
    """Stratified split: (x_train, y_train, x_test, y_test), each set shuffled."""
    rng = np.random.default_rng(seed)
    train_idx, test_idx = [], []
    for digit in range(10):
        idx = rng.permutation(np.flatnonzero(labels == digit))
        test_idx.append(idx[:TEST_PER_CLASS])
        train_idx.append(idx[TEST_PER_CLASS:])
    train = rng.permutation(np.concatenate(train_idx))
    test = rng.permutation(np.concatenate(test_idx))
    return images[train], labels[train], images[test], labels[test]


def build_mnist(source_dir: Path) -> dict[str, np.ndarray]:
    path = read_source(source_dir, "mnist_5k.csv.gz")
    table = np.loadtxt(path, delimiter=",", dtype=np.int64)
    images = table[:, :784].astype(np.uint8).reshape(-1, 28, 28)
    labels = table[:, 784].astype(np.uint8)
    x_train, y_train, x_test, y_test = split_mnist(images, labels)
    return {"x_train": x_train, "y_train": y_train, "x_test": x_test, "y_test": y_test}


def build_shakespeare(source_dir: Path) -> bytes:
    return read_source(source_dir, "tinyshakespeare.txt").read_bytes()


def main(argv: list[str]) -> None:
    if len(argv) != 1:
        raise SystemExit("usage: python -m nnlib.data._build PATH/TO/shared/data")
    source_dir = Path(argv[0])
    np.savez_compressed(FILES_DIR / "mnist_5k.npz", **build_mnist(source_dir))
    # mtime=0 keeps the gzip bytes identical from one build to the next
    with gzip.GzipFile(FILES_DIR / "tinyshakespeare.txt.gz", "wb", compresslevel=9, mtime=0) as f:
        f.write(build_shakespeare(source_dir))
    for path in sorted(FILES_DIR.iterdir()):
        print(f"{path.name}: {path.stat().st_size:,} bytes, sha256 {sha256_of(path)}")


if __name__ == "__main__":
    main(sys.argv[1:])

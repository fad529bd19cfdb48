"""Shared test set-up: plots never open windows, and no test reaches the network."""

import os
import socket

# Under pytest-xdist (make unit-fast: one worker per core) each worker computes on one thread:
# two workers with two threads each would fight over two cores, and these small models are
# no faster on two threads (the notebooks use one too). Set before NumPy and torch load.
if "PYTEST_XDIST_WORKER" in os.environ:
    for _name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(_name, "1")

import matplotlib
import pytest

matplotlib.use("Agg")

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture(autouse=True)
def _no_network(monkeypatch):
    """Refuse connections to anything but this machine, so a test can never download."""
    real_connect = socket.socket.connect

    def guarded_connect(self, address):
        host = address[0] if isinstance(address, tuple) else address
        if isinstance(host, str) and host not in ("127.0.0.1", "localhost", "::1") \
                and not host.startswith("127.") and self.family != socket.AF_UNIX:
            raise OSError(f"tests must not use the network (tried to connect to {host})")
        return real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", guarded_connect)


@pytest.fixture(scope="session")
def built_wheel(tmp_path_factory):
    """nnlib's wheel, built once per test session (shared by pytest-xdist's workers)."""
    import shutil
    import subprocess
    import sys
    from pathlib import Path

    from filelock import FileLock

    repo = Path(REPO)
    shared = tmp_path_factory.getbasetemp().parent   # the same folder for every worker
    dist = shared / "nnlib-wheel"
    with FileLock(str(shared / "nnlib-wheel.lock")):
        wheels = sorted(dist.glob("nnlib_course-*.whl"))
        if not wheels:
            # setuptools reuses build/lib: stale files there would slip into the wheel
            for stale in [*(repo / "build").glob("lib*"), *(repo / "build").glob("bdist*")]:
                shutil.rmtree(stale)
            subprocess.run([sys.executable, "-m", "build", "--wheel", "--no-isolation",
                            "--outdir", str(dist), str(repo)], check=True, capture_output=True,
                           timeout=600)
            wheels = sorted(dist.glob("nnlib_course-*.whl"))
    (path,) = wheels
    return path


@pytest.fixture
def solved():
    """``solved("08.3")``: the worked solution's answer (nnlib/solutions/nbNN.py), the one
    source of right answers for the checker tests; the checker stays the judge, and each test
    still builds its own wrong answers (often from this right one) for the checker to reject."""
    from nnlib import solutions

    return solutions.answer

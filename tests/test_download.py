"""nnlib.data.download against a local HTTP server: no test touches the real network.

The server on 127.0.0.1 plays the MNIST mirror. It serves small fake data sets
in the real idx.gz format; torchvision's ``mirrors`` and ``resources`` (file
names and MD5s) are monkeypatched to point at it.
"""

from __future__ import annotations

import gzip
import hashlib
import http.server
import json
import os
import socket
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest
import torchvision.datasets

from nnlib.data import download
from nnlib.data.download import DownloadError, cache_dir, fetch_full, try_fetch_full

N_TRAIN, N_TEST = 20, 10
FILES = {  # torchvision's file name -> our array key
    "train-images-idx3-ubyte.gz": "x_train",
    "train-labels-idx1-ubyte.gz": "y_train",
    "t10k-images-idx3-ubyte.gz": "x_test",
    "t10k-labels-idx1-ubyte.gz": "y_test",
}
CLASSES = {"mnist": torchvision.datasets.MNIST, "fashion_mnist": torchvision.datasets.FashionMNIST}


# ---------------------------------------------------------------- fake data ---

def fake_arrays(seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {
        "x_train": rng.integers(0, 256, size=(N_TRAIN, 28, 28), dtype=np.uint8),
        "y_train": rng.integers(0, 10, size=N_TRAIN).astype(np.int64),
        "x_test": rng.integers(0, 256, size=(N_TEST, 28, 28), dtype=np.uint8),
        "y_test": rng.integers(0, 10, size=N_TEST).astype(np.int64),
    }


def idx_gz(array: np.ndarray) -> bytes:
    """``array`` (uint8 values) in the idx format of MNIST, gzipped."""
    # magic number: two zero bytes, type code 0x08 (unsigned byte), number of dimensions
    header = bytes([0, 0, 0x08, array.ndim])
    header += b"".join(int(n).to_bytes(4, "big") for n in array.shape)
    return gzip.compress(header + array.astype(np.uint8).tobytes(), mtime=0)


def md5(data: bytes) -> str:
    return hashlib.md5(data).hexdigest()


# ------------------------------------------------------------ fake mirror ---

class FakeMirror:
    """A threading HTTP server on 127.0.0.1 serving ``files`` (name -> bytes).

    Names in ``truncate`` are sent with a Content-Length larger than the body,
    and the connection is closed half-way, like a dropped download.
    """

    def __init__(self):
        self.files: dict[str, bytes] = {}
        self.truncate: set[str] = set()
        self.hits: list[str] = []
        mirror = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                name = self.path.rsplit("/", 1)[-1]
                mirror.hits.append(name)
                if name not in mirror.files:
                    self.send_error(404)
                    return
                body = mirror.files[name]
                self.send_response(200)
                self.send_header("Content-Type", "application/octet-stream")
                if name in mirror.truncate:
                    self.send_header("Content-Length", str(len(body) + 1000))
                    self.end_headers()
                    self.wfile.write(body[: len(body) // 2])
                    return  # HTTP/1.0: the server closes the connection now
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):  # keep test output clean
                pass

        class Server(http.server.ThreadingHTTPServer):
            daemon_threads = True

            def handle_error(self, request, client_address):
                pass  # a client that hangs up early is not an error here

        self.server = Server(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()
        self.running = True

    def stop(self):
        if self.running:
            self.server.shutdown()
            self.server.server_close()
            self.thread.join()
            self.running = False


@pytest.fixture
def mirror():
    server = FakeMirror()
    yield server
    server.stop()


def point_torchvision_at(monkeypatch, url: str, files: dict[str, bytes]) -> None:
    """Make torchvision's MNIST and FashionMNIST download ``files`` from ``url``."""
    resources = [(name, md5(data)) for name, data in files.items()]
    for dataset_class in CLASSES.values():
        monkeypatch.setattr(dataset_class, "mirrors", [url])
        monkeypatch.setattr(dataset_class, "resources", resources)


@pytest.fixture
def served(mirror, monkeypatch):
    """The fake arrays, served correctly by ``mirror``; returns (arrays, mirror)."""
    arrays = fake_arrays()
    mirror.files.update({name: idx_gz(arrays[key]) for name, key in FILES.items()})
    point_torchvision_at(monkeypatch, mirror.url, mirror.files)
    return arrays, mirror


@pytest.fixture
def closed_port_url():
    """A URL on 127.0.0.1 where nothing listens (connection refused)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/"


# --------------------------------------------------------- network guard ---

# torchvision < 0.21 (the minimum-versions CI job) words its errors without the file or URL
TORCHVISION_NAMES_FILES = tuple(
    int(part) for part in __import__("torchvision").__version__.split(".")[:2]) >= (0, 21)
LOOPBACK = {"127.0.0.1", "::1", "localhost"}


@pytest.fixture(autouse=True)
def no_real_network(monkeypatch):
    """Refuse (and record) any connection or DNS lookup beyond the loopback address.

    The attempt is recorded as well as refused, because the code under test turns
    connection errors into DownloadError, which would otherwise hide it.
    """
    attempts = []
    real_connect = socket.socket.connect
    real_getaddrinfo = socket.getaddrinfo

    def guarded_connect(sock, address):
        if isinstance(address, tuple) and address[0] not in LOOPBACK:
            attempts.append(address)
            raise OSError(f"test tried to reach the real network: {address}")
        return real_connect(sock, address)

    def guarded_getaddrinfo(host, *args, **kwargs):
        if host not in LOOPBACK and host is not None:
            attempts.append(host)
            raise OSError(f"test tried to look up a real host: {host}")
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", guarded_connect)
    monkeypatch.setattr(socket, "getaddrinfo", guarded_getaddrinfo)
    yield attempts
    assert attempts == [], f"a test tried to use the real network: {attempts}"


def test_network_guard_refuses_real_hosts(no_real_network):
    # the guard itself must work, or every test below could be downloading for real
    with pytest.raises(OSError, match="real host"):
        socket.create_connection(("example.com", 80), timeout=1)
    with socket.socket() as sock, pytest.raises(OSError, match="real network"):
        sock.connect(("192.0.2.1", 80))  # TEST-NET-1: reserved, never routed
    assert no_real_network == ["example.com", ("192.0.2.1", 80)]
    no_real_network.clear()  # these attempts were the point of this test


# ------------------------------------------------------------------ helpers ---

def assert_same_arrays(got: dict, expected: dict) -> None:
    assert sorted(got) == sorted(expected)
    for key, value in expected.items():
        assert got[key].dtype == value.dtype, key
        assert got[key].shape == value.shape, key
        np.testing.assert_array_equal(got[key], value, err_msg=key)


def listing(root: Path) -> list[str]:
    """Every path under ``root``, relative, sorted (hidden temporary dirs included)."""
    if not root.exists():
        return []
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*"))


def assert_failed_cleanly(err: DownloadError, root: Path) -> None:
    assert isinstance(err, RuntimeError) and isinstance(err, OSError)
    assert "\n" not in str(err) and "\n" not in err.reason and err.reason
    assert listing(root) == [], "a failed download left files behind"


# -------------------------------------------------------------------- tests ---

@pytest.mark.parametrize("name", ["mnist", "fashion_mnist"])
def test_fetch_full_downloads_verifies_and_caches(served, tmp_path, name):
    arrays, _ = served
    got = fetch_full(name, root=tmp_path)
    assert_same_arrays(got, arrays)
    assert listing(tmp_path) == [name, f"{name}/data.npz", f"{name}/manifest.json"]
    manifest = json.loads((tmp_path / name / "manifest.json").read_text(encoding="utf-8"))
    data = (tmp_path / name / "data.npz").read_bytes()
    assert manifest["sha256"] == hashlib.sha256(data).hexdigest()
    assert manifest["shapes"]["x_train"] == [N_TRAIN, 28, 28]


def test_download_prints_nothing_and_restores_socket_timeout(served, tmp_path, capfd):
    before = socket.getdefaulttimeout()
    fetch_full("mnist", root=tmp_path)
    out, err = capfd.readouterr()
    assert (out, err) == ("", "")  # torchvision's tqdm bar must not reach stderr
    assert socket.getdefaulttimeout() == before


def test_second_call_uses_cache_without_server(served, tmp_path):
    arrays, server = served
    fetch_full("mnist", root=tmp_path)
    server.stop()
    hits = len(server.hits)
    assert_same_arrays(fetch_full("mnist", root=tmp_path), arrays)
    assert len(server.hits) == hits


def test_returned_arrays_are_independent_copies(served, tmp_path):
    first = fetch_full("mnist", root=tmp_path)
    first["x_train"][:] = 0
    assert_same_arrays(fetch_full("mnist", root=tmp_path), served[0])


@pytest.mark.parametrize("bad_file", ["train-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"])
def test_corrupt_download_raises_and_leaves_nothing(served, tmp_path, bad_file):
    _, server = served
    # torchvision expects the good file's MD5; the server now sends other bytes
    body = bytearray(server.files[bad_file])
    body[len(body) // 2] ^= 0xFF
    server.files[bad_file] = bytes(body)
    with pytest.raises(DownloadError) as info:
        fetch_full("mnist", root=tmp_path)
    assert_failed_cleanly(info.value, tmp_path)
    assert bad_file in info.value.reason or not TORCHVISION_NAMES_FILES


def test_dropped_connection_raises_and_leaves_nothing(served, tmp_path):
    _, server = served
    server.truncate.add("t10k-images-idx3-ubyte.gz")
    with pytest.raises(DownloadError) as info:
        fetch_full("mnist", root=tmp_path)
    assert_failed_cleanly(info.value, tmp_path)


def test_cut_gzip_with_matching_md5_raises_and_leaves_nothing(mirror, monkeypatch, tmp_path):
    # the MD5 check passes (it is the cut file's MD5), so gunzip is what must fail
    arrays = fake_arrays()
    files = {name: idx_gz(arrays[key]) for name, key in FILES.items()}
    files["train-images-idx3-ubyte.gz"] = files["train-images-idx3-ubyte.gz"][:-100]
    mirror.files.update(files)
    point_torchvision_at(monkeypatch, mirror.url, files)
    with pytest.raises(DownloadError) as info:
        fetch_full("mnist", root=tmp_path)
    assert_failed_cleanly(info.value, tmp_path)
    assert "EOFError" in info.value.reason


@pytest.mark.parametrize(
    "damage, message",
    [
        (lambda a: a.update(y_train=a["y_train"][:-1]), "y_train"),
        (lambda a: a.update(y_test=np.full(N_TEST, 10)), "labels outside"),
        (lambda a: a.update(x_test=np.zeros((N_TEST, 27, 28), np.uint8)), "x_test"),
    ],
    ids=["label-count", "label-range", "image-size"],
)
def test_inconsistent_files_raise_and_leave_nothing(mirror, monkeypatch, tmp_path,
                                                    damage, message):
    arrays = fake_arrays()
    damage(arrays)
    files = {name: idx_gz(arrays[key]) for name, key in FILES.items()}
    mirror.files.update(files)
    point_torchvision_at(monkeypatch, mirror.url, files)
    with pytest.raises(DownloadError, match=message) as info:
        fetch_full("mnist", root=tmp_path)
    assert_failed_cleanly(info.value, tmp_path)


def test_server_down_raises_and_leaves_nothing(monkeypatch, tmp_path, closed_port_url):
    point_torchvision_at(monkeypatch, closed_port_url, {"train-images-idx3-ubyte.gz": b""})
    with pytest.raises(DownloadError) as info:
        fetch_full("mnist", root=tmp_path)
    assert_failed_cleanly(info.value, tmp_path)
    assert closed_port_url in info.value.reason or not TORCHVISION_NAMES_FILES


def test_silent_server_times_out_instead_of_hanging(monkeypatch, tmp_path):
    # accepts connections (the kernel's backlog does) but never answers
    listener = socket.create_server(("127.0.0.1", 0))
    url = f"http://127.0.0.1:{listener.getsockname()[1]}/"
    point_torchvision_at(monkeypatch, url, {"train-images-idx3-ubyte.gz": b""})
    monkeypatch.setattr(download, "SOCKET_TIMEOUT_S", 0.2)
    outcome = {}

    def attempt():
        try:
            fetch_full("mnist", root=tmp_path)
        except Exception as err:
            outcome["error"] = err

    worker = threading.Thread(target=attempt, daemon=True)
    worker.start()
    worker.join(60)  # a guard against hanging forever, not a speed test
    listener.close()
    assert not worker.is_alive(), "fetch_full hung: the socket timeout was not applied"
    assert isinstance(outcome.get("error"), DownloadError), outcome
    assert "timed out" in outcome["error"].reason
    assert_failed_cleanly(outcome["error"], tmp_path)
    assert socket.getdefaulttimeout() is None


def corrupt_flip_byte(folder: Path) -> None:
    data = bytearray((folder / "data.npz").read_bytes())
    data[len(data) // 2] ^= 0xFF
    (folder / "data.npz").write_bytes(bytes(data))


def corrupt_truncate(folder: Path) -> None:
    data = (folder / "data.npz").read_bytes()
    (folder / "data.npz").write_bytes(data[: len(data) // 3])


def corrupt_delete_manifest(folder: Path) -> None:
    (folder / "manifest.json").unlink()


def corrupt_garbage_manifest(folder: Path) -> None:
    (folder / "manifest.json").write_text("{not json", encoding="utf-8")


def corrupt_replace_data_keep_manifest(folder: Path) -> None:
    # a perfectly readable npz of the right shapes: only the checksum can tell
    np.savez_compressed(folder / "data.npz", **fake_arrays(seed=1))


def corrupt_bad_labels_with_valid_checksum(folder: Path) -> None:
    # a self-consistent cache (checksum matches) whose contents are still wrong
    arrays = fake_arrays()
    arrays["y_train"] = np.full(N_TRAIN, 42)
    np.savez_compressed(folder / "data.npz", **arrays)
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    manifest["sha256"] = hashlib.sha256((folder / "data.npz").read_bytes()).hexdigest()
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")


CORRUPTIONS = [corrupt_flip_byte, corrupt_truncate, corrupt_delete_manifest,
               corrupt_garbage_manifest, corrupt_replace_data_keep_manifest,
               corrupt_bad_labels_with_valid_checksum]


@pytest.mark.parametrize("corrupt", CORRUPTIONS, ids=lambda f: f.__name__[8:])
def test_corrupted_cache_is_detected_and_refetched(served, tmp_path, corrupt):
    arrays, server = served
    fetch_full("mnist", root=tmp_path)
    corrupt(tmp_path / "mnist")
    hits = len(server.hits)
    assert_same_arrays(fetch_full("mnist", root=tmp_path), arrays)
    assert len(server.hits) > hits, "the corrupted cache was used instead of refetched"
    server.stop()  # the repaired cache now works offline
    assert_same_arrays(fetch_full("mnist", root=tmp_path), arrays)


def test_corrupted_cache_is_discarded_even_when_refetch_fails(served, tmp_path):
    _, server = served
    fetch_full("mnist", root=tmp_path)
    corrupt_flip_byte(tmp_path / "mnist")
    server.stop()
    with pytest.raises(DownloadError) as info:
        fetch_full("mnist", root=tmp_path)
    assert_failed_cleanly(info.value, tmp_path)


def test_interrupt_cleans_up_and_is_not_wrapped(served, tmp_path, monkeypatch):
    def interrupted(key, raw_root):
        raise KeyboardInterrupt

    monkeypatch.setattr(download, "_download_with_torchvision", interrupted)
    with pytest.raises(KeyboardInterrupt):
        fetch_full("mnist", root=tmp_path)
    assert listing(tmp_path) == []


def test_cache_written_by_another_process_meanwhile_is_replaced(served, tmp_path, monkeypatch):
    arrays, _ = served
    real_download = download._download_with_torchvision

    def racing(key, raw_root):
        result = real_download(key, raw_root)
        other = tmp_path / key  # another process installs its copy while we download
        other.mkdir()
        download._write_verified(other, key, fake_arrays(seed=1))
        return result

    monkeypatch.setattr(download, "_download_with_torchvision", racing)
    assert_same_arrays(fetch_full("mnist", root=tmp_path), arrays)
    assert listing(tmp_path) == ["mnist", "mnist/data.npz", "mnist/manifest.json"]
    monkeypatch.undo()  # drop the patches (and the fake mirror): read the cache offline
    assert_same_arrays(download._load_verified(tmp_path / "mnist"), arrays)


def test_stale_partial_dirs_are_removed_fresh_ones_kept(served, tmp_path):
    stale, fresh = tmp_path / ".partial-mnist-old", tmp_path / ".partial-mnist-busy"
    for folder in (stale, fresh):
        folder.mkdir()
        (folder / "train-images-idx3-ubyte.gz").write_bytes(b"half a file")
    two_days_ago = time.time() - 2 * 24 * 3600
    os.utime(stale, (two_days_ago, two_days_ago))
    fetch_full("mnist", root=tmp_path)
    assert not stale.exists()
    assert fresh.exists()  # may belong to a download still running elsewhere


def test_missing_torchvision_raises_download_error(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "torchvision.datasets", None)
    with pytest.raises(DownloadError, match="pip install torchvision") as info:
        fetch_full("mnist", root=tmp_path)
    assert_failed_cleanly(info.value, tmp_path)


def test_try_fetch_full_prints_one_line_and_returns_none(monkeypatch, tmp_path, capfd,
                                                         closed_port_url):
    point_torchvision_at(monkeypatch, closed_port_url, {"train-images-idx3-ubyte.gz": b""})
    assert try_fetch_full("mnist", root=tmp_path) is None
    out, err = capfd.readouterr()
    assert err == ""
    lines = out.splitlines()
    assert len(lines) == 1 and out.endswith("\n")
    assert lines[0].startswith("nnlib: could not download full MNIST (")
    assert lines[0].endswith("); using the bundled 5,000-digit subset instead.")
    assert closed_port_url in lines[0] or not TORCHVISION_NAMES_FILES
    assert listing(tmp_path) == []


def test_try_fetch_full_fallback_text_and_fashion_notice(monkeypatch, tmp_path, capsys,
                                                        closed_port_url):
    point_torchvision_at(monkeypatch, closed_port_url, {"train-images-idx3-ubyte.gz": b""})
    assert try_fetch_full("fashion_mnist", root=tmp_path) is None
    assert try_fetch_full("mnist", root=tmp_path, fallback="training on noise") is None
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("nnlib: could not download full Fashion-MNIST (")
    assert lines[0].endswith("); nnlib has no bundled copy of it.")
    assert lines[1].endswith("); training on noise.")


def test_try_fetch_full_success_is_silent(served, tmp_path, capfd):
    assert_same_arrays(try_fetch_full("mnist", root=tmp_path), served[0])
    assert capfd.readouterr() == ("", "")


def test_try_fetch_full_does_not_hide_a_wrong_name(tmp_path):
    with pytest.raises(ValueError, match="fashion_mnist"):
        try_fetch_full("cifar10", root=tmp_path)


def test_names_are_forgiving_about_case_and_dashes(served, tmp_path):
    assert_same_arrays(fetch_full("Fashion-MNIST", root=tmp_path), served[0])
    assert listing(tmp_path)[0] == "fashion_mnist"


def test_cache_dir_follows_environment_variable(served, tmp_path, monkeypatch):
    monkeypatch.setenv("NNLIB_DATA_DIR", str(tmp_path / "data"))
    assert cache_dir() == tmp_path / "data"
    assert_same_arrays(fetch_full("mnist"), served[0])
    assert (tmp_path / "data" / "mnist" / "data.npz").is_file()


def test_cache_dir_default_and_home_expansion(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))  # Path.home() on macOS / Linux
    monkeypatch.setenv("USERPROFILE", str(tmp_path))  # and on Windows
    monkeypatch.delenv("NNLIB_DATA_DIR", raising=False)
    assert cache_dir() == tmp_path / ".cache" / "nnlib"
    monkeypatch.setenv("NNLIB_DATA_DIR", "")
    assert cache_dir() == tmp_path / ".cache" / "nnlib"
    monkeypatch.setenv("NNLIB_DATA_DIR", str(Path("~") / "datasets"))
    assert cache_dir() == tmp_path / "datasets"

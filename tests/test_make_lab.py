"""`make lab` starts a JupyterLab that serves the notebooks (checked on 127.0.0.1)."""

import json
import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.slow  # starts make lab (JupyterLab)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url: str) -> tuple[int, bytes]:
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.status, response.read()


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_lab_serves_the_start_here_notebook(tmp_path):
    port, token = free_port(), "nnlib-test-token"
    flags = (f"--no-browser --allow-root --ip=127.0.0.1 --port={port} --ServerApp.port_retries=0 "
             f"--IdentityProvider.token={token} --LabApp.news_url=None "
             "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate")
    env = dict(os.environ, JUPYTER_CONFIG_DIR=str(tmp_path / "config"),
               JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"),
               JUPYTERLAB_WORKSPACES_DIR=str(tmp_path / "workspaces"))
    log = open(tmp_path / "lab.log", "w")
    server = subprocess.Popen(["make", "-s", "lab", f"LAB_FLAGS={flags}"], cwd=REPO, env=env,
                              stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                status, _ = get(f"{base}/api/status?token={token}")
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail("JupyterLab did not start:\n" + (tmp_path / "lab.log").read_text())
                time.sleep(0.5)
        assert status == 200
        status, body = get(f"{base}/api/contents/00_start_here.ipynb?token={token}&content=0")
        assert status == 200 and json.loads(body)["type"] == "notebook"
        status, page = get(f"{base}/lab?token={token}")
        assert status == 200 and b"JupyterLab" in page
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
        log.close()


def make_dry_run(*targets: str) -> list[str]:
    result = subprocess.run(["make", "-n", "-B", *targets], cwd=REPO, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
@pytest.mark.parametrize("target, last", [("lab", "jupyter lab"), ("check", "tests.check_install"),
                                          ("test", "--nbval")])
def test_make_checks_the_platform_first(target, last):
    lines = make_dry_run(target)
    first = next(i for i, line in enumerate(lines) if "ci/check_platform.py" in line)
    assert first < next(i for i, line in enumerate(lines) if "-m venv" in line)
    assert any(last in line for line in lines[first:])


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_test_compares_notebook_outputs_on_the_cpu():
    (nbval,) = [line for line in make_dry_run("nbval") if "--nbval" in line]
    assert nbval.startswith("NNLIB_DEVICE=cpu ")

"""Execute notebooks top to bottom in another Python environment; outputs are not compared.

Used by the CI jobs in this folder: the harness (nbclient) runs here, the kernel runs in
the environment under test (``--python``), with extra environment variables (``--env``).

    python ci/run_notebooks.py --python ENV/bin/python --workdir DIR [--env K=V ...]
        [--before-each "CMD"] [notebooks ...]

Without notebook arguments it runs every ``notebooks/*.ipynb`` (so new notebooks join the CI
jobs by themselves).

Each notebook is copied to DIR first (the repository's notebooks are never written) and run
there with a fresh kernel. ``--before-each`` runs a shell command before each notebook (the
Colab-like job uninstalls nnlib so that every setup cell installs it, as on a new Colab
runtime). Ends with a line "N passed, N failed"; exit status 1 if any notebook failed.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError


def kernelspec(folder: Path, python: str, env: dict[str, str]) -> str:
    """Write a kernelspec "ci-kernel" for ``python`` under ``folder`` (a JUPYTER_PATH entry)."""
    spec = folder / "kernels" / "ci-kernel"
    spec.mkdir(parents=True, exist_ok=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [python, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "CI kernel", "language": "python", "env": env}))
    return "ci-kernel"


def run(path: Path, workdir: Path, timeout: int) -> tuple[bool, float, str]:
    target = workdir / path.name
    shutil.copy(path, target)
    nb = nbformat.read(target, as_version=4)
    client = NotebookClient(nb, timeout=timeout, kernel_name="ci-kernel",
                            resources={"metadata": {"path": str(workdir)}})
    client.widget_registry = {}  # nbclient's Output-widget mock can stall a cell (nbclient#312)
    start = time.perf_counter()
    try:
        client.execute()
    except CellExecutionError as error:
        return False, time.perf_counter() - start, str(error)[-3000:]
    except Exception as error:  # a dead kernel, a timeout
        return False, time.perf_counter() - start, f"{type(error).__name__}: {error}"[-3000:]
    finally:
        nbformat.write(nb, target)  # kept for inspection, never compared
    setup = next((c for c in nb.cells if c.cell_type == "code"), None)
    first = "".join(o.get("text", "") for o in (setup.outputs if setup else [])
                    if o.get("output_type") == "stream").strip().splitlines()
    return True, time.perf_counter() - start, (first[-1] if first else "")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--python", required=True, help="the kernel's Python")
    parser.add_argument("--workdir", required=True, type=Path)
    parser.add_argument("--env", action="append", default=[], help="K=V for the kernel")
    parser.add_argument("--before-each", default="", help="shell command before each notebook")
    parser.add_argument("--timeout", type=int, default=900, help="seconds per cell")
    parser.add_argument("--expect-error", default="",
                        help="pass only if each notebook fails with an error showing this text")
    parser.add_argument("notebooks", nargs="*", type=Path,
                        help="default: every notebooks/*.ipynb of this repository")
    args = parser.parse_args(argv)
    if not args.notebooks:
        args.notebooks = sorted((Path(__file__).resolve().parents[1] / "notebooks")
                                .glob("*.ipynb"))
    if not args.notebooks:
        parser.error("no notebooks found")

    env = dict(item.split("=", 1) for item in args.env)
    args.workdir.mkdir(parents=True, exist_ok=True)
    spec_dir = Path(tempfile.mkdtemp(prefix="kernels-", dir=args.workdir))
    os.environ["JUPYTER_PATH"] = str(spec_dir)
    env.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")  # a debugger notice on stderr
    kernelspec(spec_dir, args.python, env)
    passed, failed = 0, []
    for path in args.notebooks:
        if args.before_each:
            subprocess.run(args.before_each, shell=True, check=True)
        ok, seconds, note = run(path, args.workdir, args.timeout)
        if args.expect_error:
            ok, note = (not ok and args.expect_error in note), note.strip().splitlines()[-1:]
            note = note[0] if note else "no error"
        print(f"{path.name}: {'ok' if ok else 'FAILED'} in {seconds:.1f} s"
              + (f"  [{note}]" if ok and note else ""), flush=True)
        if ok:
            passed += 1
        else:
            failed.append(path.name)
            print(note, flush=True)
    print(f"{passed} passed, {len(failed)} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

#!/usr/bin/env bash
# "Minimum versions" CI job: pyproject's lower bounds are true.
#  1. a fresh virtual environment on the lowest declared Python ($MIN_PYTHON, 3.10) with exactly
#     the lowest declared versions (ci/min-packages.txt) and test tools (ci/min-tools.txt);
#  2. nnlib installed from this checkout (with those versions as constraints, so pip confirms
#     pyproject admits them), and a check that the minimums are what got installed;
#  3. the unit tests (not the slow ones, nor those that test the pinned classroom environment
#     or packaging), then every notebook executed top to bottom (outputs not compared).
# Usage: bash ci/min_versions.sh [notebooks...]   (default: notebooks/*.ipynb)
#        bash ci/min_versions.sh --prepare        (only build the environment, for later)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
REPO=$(pwd)
PY=${MIN_PYTHON:-}
if [ -z "$PY" ]; then  # python3.10 on the PATH, else pyenv's (its shim refuses a non-global one)
  for cand in python3.10 "$(pyenv root 2>/dev/null || echo "$HOME/.pyenv")"/versions/3.10*/bin/python3.10; do
    if "$cand" -c 'import sys; assert sys.version_info[:2] == (3, 10)' 2>/dev/null; then
      PY=$cand; break
    fi
  done
  [ -n "$PY" ] || { echo "min-versions: FAILED: no Python 3.10 here (set MIN_PYTHON)"; exit 1; }
fi
WORK=${CI_WORK:-$REPO/build/ci}/min-versions
WHEELS=${NNLIB_WHEELHOUSE:-$HOME/.cache/nnlib-ci/wheels}
notebooks=("$@"); [ ${#notebooks[@]} -gt 0 ] && [ "${1:-}" != "--prepare" ] \
  || notebooks=(notebooks/*.ipynb)
start=$(date +%s)

# --prepare: only build the environment (.ci/run does it while `make test` runs)
prepare() {
  rm -rf "$WORK" && mkdir -p "$WORK" "$WHEELS"
  "$PY" -m venv "$WORK/venv"
  # wheels kept between runs (pip's own HTTP cache does not keep them on these machines):
  # install from them alone if they are all there, else download what is missing first
  if ! "$WORK/venv/bin/python" -m pip install -q --no-input --no-index --find-links "$WHEELS" \
      -r ci/min-packages.txt -r ci/min-tools.txt 2> "$WORK/offline-install.log"; then
    for try in 1 2 3 4 5; do  # PyPI sometimes resets a connection; wheels already there are kept
      "$WORK/venv/bin/python" -m pip download -q --no-input --retries 10 -d "$WHEELS" \
        -r ci/min-packages.txt -r ci/min-tools.txt && break
      [ "$try" = 5 ] && { echo "min-versions: FAILED: downloading the wheels failed 5 times"; exit 1; }
      echo "min-versions: download try $try failed; trying again in 20 s"; sleep 20
    done
    echo "min-versions: wheels downloaded to $WHEELS in $(( $(date +%s) - start )) s"
    "$WORK/venv/bin/python" -m pip install -q --no-input --no-index --find-links "$WHEELS" \
      -r ci/min-packages.txt -r ci/min-tools.txt
  fi
  touch "$WORK/venv/.ready"
}
if [ "${1:-}" = "--prepare" ]; then
  prepare; echo "min-versions: environment ready in $(( $(date +%s) - start )) s"; exit 0
fi
if [ -n "${MIN_VENV:-}" ]; then  # reuse a ready environment (local debugging)
  VPY=$MIN_VENV/bin/python
else
  [ -f "$WORK/venv/.ready" ] || prepare
  VPY=$WORK/venv/bin/python
fi
rm -rf "$WORK/run"
"$VPY" -m pip install -q --no-input -c ci/min-packages.txt .
"$VPY" - <<'PY'
import re
from importlib.metadata import version
wrong = []
for line in open("ci/min-packages.txt"):
    m = re.match(r"([A-Za-z0-9_.-]+)==(\S+)", line)
    if m and version(m[1]).split("+")[0] != m[2]:
        wrong.append(f"{m[1]} {version(m[1])} (wanted {m[2]})")
assert not wrong, "not the minimum versions: " + ", ".join(wrong)
print("min-versions: installed", ", ".join(
    f"{n} {version(n)}" for n in ("numpy", "matplotlib", "torch", "torchvision", "ipywidgets",
                                  "tqdm", "nnlib-course")))
PY
installed=$(date +%s)

# unit tests; those about the pinned environment, packaging or a browser need the classroom set
markers="not slow"
grep -q '"slow' pyproject.toml || markers=""
NNLIB_DEVICE=cpu "$VPY" -m pytest -q -rf -p no:cacheprovider ${markers:+-m "$markers"} \
  --ignore=tests/browser --ignore=tests/test_make_lab.py --ignore=tests/test_packaging.py \
  --ignore=tests/test_wheel_install.py --ignore=tests/test_lock_platforms.py tests
tested=$(date +%s)

.venv/bin/python ci/run_notebooks.py --python "$VPY" --workdir "$WORK/run" \
  --env "NNLIB_DEVICE=cpu" "${notebooks[@]}"
end=$(date +%s)
echo "min-versions timing: install $((installed - start)) s, unit tests $((tested - installed)) s," \
  "notebooks $((end - tested)) s, total $((end - start)) s"

#!/usr/bin/env bash
# "Minimum versions" CI job: pyproject's lower bounds are true.
#  1. a fresh virtual environment on the lowest declared Python ($MIN_PYTHON, 3.10) with exactly
#     the lowest declared versions (ci/min-packages.txt) and test tools (ci/min-tools.txt);
#  2. nnlib installed from this checkout (with those versions as constraints, so pip confirms
#     pyproject admits them), and a check that the minimums are what got installed;
#  3. the unit tests (not the slow ones, nor those that test the pinned classroom environment
#     or packaging), then every notebook executed top to bottom (outputs not compared).
# Usage: bash ci/min_versions.sh [notebooks...]   (default: notebooks/*.ipynb)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
REPO=$(pwd)
PY=${MIN_PYTHON:-python3.10}
WORK=${CI_WORK:-$REPO/build/ci}/min-versions
WHEELS=${NNLIB_WHEELHOUSE:-$HOME/.cache/nnlib-ci/wheels}
notebooks=("$@"); [ ${#notebooks[@]} -gt 0 ] || notebooks=(notebooks/*.ipynb)
start=$(date +%s)

rm -rf "$WORK" && mkdir -p "$WORK" "$WHEELS"
if [ -z "${MIN_VENV:-}" ]; then  # MIN_VENV: reuse a ready environment (local debugging)
  "$PY" -m venv "$WORK/venv"
  VPY=$WORK/venv/bin/python
  # wheels kept between runs (pip's own HTTP cache does not keep them on these machines)
  "$VPY" -m pip download -q --no-input -d "$WHEELS" -r ci/min-packages.txt -r ci/min-tools.txt
  "$VPY" -m pip install -q --no-input --find-links "$WHEELS" \
    -r ci/min-packages.txt -r ci/min-tools.txt
else
  VPY=$MIN_VENV/bin/python
fi
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
NNLIB_DEVICE=cpu "$VPY" -m pytest -q -p no:cacheprovider ${markers:+-m "$markers"} \
  --ignore=tests/browser --ignore=tests/test_make_lab.py --ignore=tests/test_packaging.py \
  --ignore=tests/test_wheel_install.py --ignore=tests/test_lock_platforms.py tests
tested=$(date +%s)

.venv/bin/python ci/run_notebooks.py --python "$VPY" --workdir "$WORK/run" \
  --env "NNLIB_DEVICE=cpu" "${notebooks[@]}"
end=$(date +%s)
echo "min-versions timing: install $((installed - start)) s, unit tests $((tested - installed)) s," \
  "notebooks $((end - tested)) s, total $((end - start)) s"

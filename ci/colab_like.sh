#!/usr/bin/env bash
# "Colab-like" CI job: replay what a learner does in Google Colab, on this machine.
#  1. a fresh virtual environment with Colab's preinstalled versions (ci/colab-packages.txt);
#  2. a stand-in `google.colab` module imported at kernel start, so every setup cell takes its
#     Colab branch and runs its `%pip install "nnlib-course @ git+<repository>"` line;
#  3. that line served from this checkout's HEAD commit (git's url.<base>.insteadOf in a
#     private git config), without changing the notebooks;
#  4. every notebook executed top to bottom (outputs not compared), nnlib uninstalled before
#     each one so that each setup cell installs it as on a new Colab runtime;
#  5. `pip freeze` before and after: the install must not have changed any package;
#  6. the widget tests run against Colab's ipywidgets 7.x.
# Usage: bash ci/colab_like.sh [notebooks...]   (default: notebooks/*.ipynb)
#        bash ci/colab_like.sh --prepare        (only build the environment, for later)
# Needs the project's .venv (make setup) for the notebook harness. Python: Colab's 3.13
# (python3.13 or pyenv's; $COLAB_PYTHON overrides).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
REPO=$(pwd)
PY=${COLAB_PYTHON:-}
if [ -z "$PY" ]; then  # Colab's Python (3.13): on the PATH, else pyenv's (its shim refuses a non-global one)
  for cand in python3.13 "$(pyenv root 2>/dev/null || echo "$HOME/.pyenv")"/versions/3.13*/bin/python3.13; do
    if "$cand" -c 'import sys; assert sys.version_info[:2] == (3, 13)' 2>/dev/null; then
      PY=$cand; break
    fi
  done
  [ -n "$PY" ] || { echo "colab-like: FAILED: no Python 3.13 here (Colab's; set COLAB_PYTHON)"; exit 1; }
fi
WORK=${CI_WORK:-$REPO/build/ci}/colab-like
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
      -r ci/colab-packages.txt 2> "$WORK/offline-install.log"; then
    for try in 1 2 3 4 5; do  # PyPI sometimes resets a connection; wheels already there are kept
      "$WORK/venv/bin/python" -m pip download -q --no-input --retries 10 -d "$WHEELS" \
        -r ci/colab-packages.txt && break
      [ "$try" = 5 ] && { echo "colab-like: FAILED: downloading the wheels failed 5 times"; exit 1; }
      echo "colab-like: download try $try failed; trying again in 20 s"; sleep 20
    done
    echo "colab-like: wheels downloaded to $WHEELS in $(( $(date +%s) - start )) s"
    "$WORK/venv/bin/python" -m pip install -q --no-input --no-index --find-links "$WHEELS" \
      -r ci/colab-packages.txt
  fi
  touch "$WORK/venv/.ready"
}
if [ "${1:-}" = "--prepare" ]; then
  prepare; echo "colab-like: environment ready in $(( $(date +%s) - start )) s"; exit 0
fi
if [ -n "${COLAB_VENV:-}" ]; then  # reuse a ready environment (local debugging)
  VPY=$COLAB_VENV/bin/python
else
  [ -f "$WORK/venv/.ready" ] || prepare
  VPY=$WORK/venv/bin/python
fi
rm -rf "$WORK/run" "$WORK/standin" "$WORK/ipython"
installed=$(date +%s)
echo "colab-like: environment ready ($("$VPY" --version)) after $((installed - start)) s"

# google.colab stand-in: on the path through a .pth file, imported by an IPython startup file
mkdir -p "$WORK/standin/google/colab" "$WORK/ipython/profile_default/startup"
touch "$WORK/standin/google/__init__.py" "$WORK/standin/google/colab/__init__.py"
site=$("$VPY" -c "import sysconfig; print(sysconfig.get_paths()['purelib'])")
echo "$WORK/standin" > "$site/colab_standin.pth"
echo "import google.colab  # the stand-in: notebooks take their Colab branch" \
  > "$WORK/ipython/profile_default/startup/00-colab.py"

# the install line's repository address -> this checkout
url=$(sed -nE 's/^Repository *= *"([^"]+)".*/\1/p' pyproject.toml)
url=${url%/}
printf '[url "file://%s"]\n\tinsteadOf = %s\n[safe]\n\tdirectory = *\n' "$REPO" "$url" \
  > "$WORK/gitconfig"

freeze() { "$VPY" -m pip freeze --all | grep -viE '^nnlib[-_]course *[=@]' | sort; }
freeze > "$WORK/freeze-before.txt"

.venv/bin/python ci/run_notebooks.py --python "$VPY" --workdir "$WORK/run" \
  --env "IPYTHONDIR=$WORK/ipython" --env "GIT_CONFIG_GLOBAL=$WORK/gitconfig" \
  --env "PIP_DISABLE_PIP_VERSION_CHECK=1" \
  --before-each "'$VPY' -m pip uninstall -q -y nnlib-course >/dev/null 2>&1 || true" \
  "${notebooks[@]}"
ran=$(date +%s)

"$VPY" -m pip show nnlib-course >/dev/null \
  || { echo "colab-like: FAILED: no setup cell installed nnlib-course"; exit 1; }
freeze > "$WORK/freeze-after.txt"
if ! diff -u "$WORK/freeze-before.txt" "$WORK/freeze-after.txt"; then
  echo "colab-like: FAILED: installing nnlib changed Colab's packages (diff above)"; exit 1
fi
echo "colab-like: the install changed none of the" \
  "$(wc -l < "$WORK/freeze-before.txt") preinstalled packages"

# a failed install (GitHub unreachable) stops the setup cell with one clear line
"$VPY" -m pip uninstall -q -y nnlib-course
.venv/bin/python - "$WORK/offline/00_setup_only.ipynb" "${notebooks[0]}" <<'PY'
import sys
from pathlib import Path

import nbformat

nb = nbformat.read(sys.argv[2], as_version=4)
nb.cells = [next(c for c in nb.cells if c.cell_type == "code")]  # the setup cell alone
Path(sys.argv[1]).parent.mkdir(parents=True, exist_ok=True)
nbformat.write(nb, sys.argv[1])
PY
printf '[url "file://%s/nowhere"]\n\tinsteadOf = %s\n' "$WORK" "$url" > "$WORK/gitconfig-offline"
.venv/bin/python ci/run_notebooks.py --python "$VPY" --workdir "$WORK/offline/run" \
  --env "IPYTHONDIR=$WORK/ipython" --env "GIT_CONFIG_GLOBAL=$WORK/gitconfig-offline" \
  --expect-error "Installing nnlib failed" "$WORK/offline/00_setup_only.ipynb"

# widgets against Colab's ipywidgets (pytest itself is preinstalled on Colab too); first make
# sure they are still the 7.x Colab ships (an upgrade under Colab's front end hides widgets)
"$VPY" -m pip install -q --no-input pytest nbformat nbclient
"$VPY" - <<'PY'
import ipywidgets
assert ipywidgets.__version__.startswith("7."), \
    f"colab-like: FAILED: ipywidgets is {ipywidgets.__version__}, Colab's front end needs 7.x"
print(f"colab-like: widget tests on ipywidgets {ipywidgets.__version__}")
PY
"$VPY" -m pytest -q -rf -p no:cacheprovider tests/test_widgets_*.py
end=$(date +%s)
echo "colab-like timing: install $((installed - start)) s, notebooks $((ran - installed)) s," \
  "widget tests $((end - ran)) s, total $((end - start)) s"

# Two commands: `make lab` to learn, `make test` to check everything (`make check`: a quick
# look that the install works). All create .venv and install the pinned environment the first
# time, after checking that this Python and platform can use it (ci/check_platform.py).
# (Windows without make: see README.md, "Windows".)

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
export PIP_DISABLE_PIP_VERSION_CHECK := 1

NBVAL := --nbval --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg

.PHONY: platform setup lab test check lint unit nbval execute slides slides-offline lock clean \
        fork colab-like min-versions lock-check book workspace restore lecture lecture-env

# the Python that will run the course: .venv's once it exists
PLATFORM_PYTHON = $(if $(wildcard $(BIN)/python),$(BIN)/python,$(PYTHON))
platform:
	@$(PLATFORM_PYTHON) ci/check_platform.py

setup: platform $(STAMP)

$(STAMP): requirements-lock.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip uninstall -q -y nnlib 2>/dev/null || true  # the old distribution name
	$(BIN)/python -m pip install -q --no-input -r requirements-lock.txt
	$(BIN)/python -m pip install -q --no-input --no-deps --no-build-isolation -e .
	$(BIN)/python -m nnlib.jupyter_settings
	touch $(STAMP)

LAB_FLAGS ?=
# Opens your workspace (make workspace) once it exists, else the course's own notebooks.
LAB_DIR = $(if $(wildcard workspace/00_start_here.ipynb),workspace,notebooks)
lab: setup
	$(BIN)/jupyter lab --ServerApp.root_dir=$(LAB_DIR) $(LAB_FLAGS) $(LAB_DIR)/00_start_here.ipynb

# Your own copies of the notebooks in workspace/ (git ignores it; updates never conflict);
# `make restore NB=04` puts back a pristine 04 and keeps yours as a .bak copy.
workspace: setup
	$(BIN)/python -m nnlib.workspace create
restore: setup
	$(BIN)/python -m nnlib.workspace restore $(NB)

# The course as a static web site in build/book/ (from the committed outputs; works offline).
book: setup
	$(BIN)/python -m book.build build/book

test: setup lint unit nbval

lint: setup
	$(BIN)/ruff check .

unit: setup
	$(BIN)/python -m pytest tests

# The unit tests without the slow integration tests (marked `slow`), on every core.
unit-fast: setup
	$(BIN)/python -m pytest -m "not slow" -n auto tests

# NNLIB_DEVICE=cpu: the stored outputs come from the CPU, so a GPU or Apple MPS must not be used
# (--durations: the log lists every cell over 1 s, so each notebook's time can be read from it)
nbval: setup
	NNLIB_DEVICE=cpu $(BIN)/python -m pytest $(NBVAL) --durations=0 --durations-min=1 notebooks

# Under a minute: imports, notebook 00 in a fresh kernel, one widget driven.
check: setup
	$(BIN)/python -m tests.check_install

# A fork points badges and install lines at itself: make fork URL=https://github.com/OWNER/NAME
fork: setup
	$(BIN)/python -m tests.notebook_tools set-repo $(URL)

# The CI jobs beyond `make test` (see ci/): Colab's preinstalled versions, and the minimums.
colab-like: setup
	bash ci/colab_like.sh
min-versions: setup
	bash ci/min_versions.sh
# requirements-lock.txt resolves for Linux, macOS arm64 and Windows (asks PyPI; minutes)
lock-check: setup
	$(BIN)/python ci/check_lock.py --pip-venv build/ci/lock-pip

# Re-run every notebook top to bottom in a fresh kernel and store its outputs.
execute: setup
	$(BIN)/python -m tests.notebook_tools execute notebooks/*.ipynb

# Lecture mode: reveal.js decks in build/slides/ (open in a browser; press S for notes view).
# `make slides` loads reveal.js from its CDN; `make slides-offline` fetches a copy with npm
# once, so the decks also work in a classroom without internet.
SLIDE_LIBS := reveal.js@4.0.2 requirejs@2.3.7 jquery@2.2.4 mathjax@2.7.7 \
              @jupyter-widgets/html-manager@1.0.15
slides: setup
	$(BIN)/python -m tests.notebook_tools slides build/slides notebooks/*.ipynb

slides-offline: setup
	mkdir -p build/slides/libs
	cd build/slides/libs && for spec in $(SLIDE_LIBS); do \
	  name=$${spec%@*}; name=$${name##*/}; test -d $$name && continue; \
	  npm pack --silent $$spec > pack.txt && tar xzf $$(tail -n 1 pack.txt) \
	  && mv package $$name && rm -f $$(tail -n 1 pack.txt) pack.txt || exit 1; done
	$(BIN)/python -m tests.notebook_tools slides build/slides --local-libs=libs notebooks/*.ipynb

# Live slides with running widgets (RISE, `make lecture NB=04`): a small second environment,
# .venv-lecture, with JupyterLab, jupyterlab-rise and ipywidgets 7 (RISE's slide view cannot load
# ipywidgets 8's manager: jupyterlab-contrib/rise#119); nnlib, NumPy and PyTorch come from .venv
# through a .pth file. It opens lecture copies in build/lecture/ (made afresh each time: the slide
# split and speaker notes of `make slides`). tests/browser/test_rise_live_slides.py uses it.
LECTURE := .venv-lecture
LECTURE_PINS := jupyterlab==4.6.6 ipykernel==7.4.0 ipywidgets==7.8.5 jupyterlab-rise==0.43.1
NB ?= 00
lecture: lecture-env
	$(BIN)/python -m tests.notebook_tools lecture build/lecture notebooks/*.ipynb > /dev/null
	$(LECTURE)/bin/jupyter lab --ServerApp.root_dir=build/lecture $(LAB_FLAGS) \
	  $$(ls build/lecture/$(NB)_*.ipynb | head -n 1)
# the environment alone (for CI: then tests/browser/test_rise_live_slides.py runs, not skips)
lecture-env: setup
	test -x $(LECTURE)/bin/python || $(BIN)/python -m venv $(LECTURE)
	test -f $(LECTURE)/.installed || { \
	  grep -vE '^(ipywidgets|jupyterlab_widgets|widgetsnbextension)==' requirements-lock.txt \
	    > $(LECTURE)/constraints.txt \
	  && $(LECTURE)/bin/python -m pip install -q --no-input -c $(LECTURE)/constraints.txt \
	     $(LECTURE_PINS) \
	  && echo "import site; site.addsitedir('$$($(BIN)/python -c "import sysconfig; print(sysconfig.get_paths()['purelib'])")')" \
	    > "$$($(LECTURE)/bin/python -c "import sysconfig; print(sysconfig.get_paths()['purelib'])")/nnlib_course_venv.pth" \
	  && $(LECTURE)/bin/python -m nnlib.jupyter_settings && touch $(LECTURE)/.installed; }

lock: setup
	{ head -n 3 requirements-lock.txt; \
	  $(BIN)/python -m pip freeze --all --exclude-editable | grep -vE '^(nnlib|nnlib-course|nnlib_course|pip)==' \
	  | sed -E 's/^((nvidia-|cuda-|triton)[^ ;]*)$$/\1 ; sys_platform == "linux"/'; \
	} > requirements-lock.tmp
	mv requirements-lock.tmp requirements-lock.txt

clean:
	rm -rf $(VENV) build dist *.egg-info

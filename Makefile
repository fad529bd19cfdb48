# Two commands: `make lab` to learn, `make test` to check everything.
# Both create .venv and install the pinned environment the first time.
# (Windows without make: see README.md, "Other ways to install".)

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
export PIP_DISABLE_PIP_VERSION_CHECK := 1

NBVAL := --nbval --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg

.PHONY: setup lab test lint unit nbval execute slides slides-offline lock clean

setup: $(STAMP)

$(STAMP): requirements-lock.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --no-input -r requirements-lock.txt
	$(BIN)/python -m pip install -q --no-input --no-deps --no-build-isolation -e .
	$(BIN)/python -m nnlib.jupyter_settings
	touch $(STAMP)

LAB_FLAGS ?=
lab: setup
	$(BIN)/jupyter lab --ServerApp.root_dir=notebooks $(LAB_FLAGS) notebooks/00_start_here.ipynb

test: setup lint unit nbval

lint: setup
	$(BIN)/ruff check .

unit: setup
	$(BIN)/python -m pytest tests

nbval: setup
	$(BIN)/python -m pytest $(NBVAL) notebooks

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

lock: setup
	{ head -n 3 requirements-lock.txt; \
	  $(BIN)/python -m pip freeze --all --exclude-editable | grep -vE '^(nnlib|pip)==' \
	  | sed -E 's/^((nvidia-|cuda-|triton)[^ ;]*)$$/\1 ; sys_platform == "linux"/'; \
	} > requirements-lock.tmp
	mv requirements-lock.tmp requirements-lock.txt

clean:
	rm -rf $(VENV) build dist *.egg-info

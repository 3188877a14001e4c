# Two commands do all the set-up on a fresh machine (see README.md):
#   make bench   the main job: a quick benchmark, skflowad vs PyOD, on data that needs no download
#   make test    the test suite (what CI runs, through .ci/run)
# Both create the virtual environment themselves.

VENV ?= .venv
PYTHON ?= python3
PY := $(VENV)/bin/python
THREADS ?= 2
export OMP_NUM_THREADS := $(THREADS)
export MKL_NUM_THREADS := $(THREADS)

.PHONY: bench test install clean

$(VENV)/.installed: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c constraints.txt -e ".[test,bench,plot,scale]"
	touch $@

install: $(VENV)/.installed

bench: $(VENV)/.installed
	$(PY) -m skflowad.benchmark --datasets quick --seeds 0 --n-jobs 2 --out benchmark_results/quick

test: $(VENV)/.installed
	$(PY) -m pytest -q

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis

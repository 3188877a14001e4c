# Two commands do all the set-up on a fresh machine (see README.md):
#   make bench   the main job: a quick benchmark, skflowad vs PyOD, on data that needs no download
#   make test    the test suite (what CI runs, through .ci/run)
#   make docs    the documentation site, built in strict mode into site/
# All create the virtual environment themselves.

VENV ?= .venv
PYTHON ?= python3
PY := $(VENV)/bin/python
THREADS ?= 2
export OMP_NUM_THREADS := $(THREADS)
export MKL_NUM_THREADS := $(THREADS)

.PHONY: bench test docs install clean

$(VENV)/.installed: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c constraints.txt -e ".[test,bench,plot,docs,scale]"
	touch $@

install: $(VENV)/.installed

# The quick job runs $(THREADS) joblib workers of one thread each: workers that each took
# $(THREADS) threads would oversubscribe the cores (the job took 10x longer that way).
bench: $(VENV)/.installed
	OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 $(PY) -m skflowad.benchmark --datasets quick --seeds 0 \
		--n-jobs $(THREADS) --out benchmark_results/quick

test: $(VENV)/.installed
	$(PY) -m pytest -q

docs: $(VENV)/.installed
	NO_MKDOCS_2_WARNING=1 $(PY) -m mkdocs build --strict --site-dir site

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis site

# The kit's commands. Each target does its own set-up, so any of them works on a fresh clone.
#
#   make course     setup + data, then the instructor demo for both assignments: student releases, sandboxed
#                   autograde (Dask LocalCluster) of a reference and an untouched submission each, feedback,
#                   grade export, grade tables
#   make test       setup + data + the whole test suite
#   make setup      virtualenv in .venv, requirements, the compiled extension
#   make data       CIFAR-10 into cs231n/datasets/ (get_datasets.sh)
#   make results    setup + data + all nine notebooks (both assignments) in full, one table of accuracies and times
#   make notebooks  rebuild assignment*/*.ipynb from assignment*/src/*.py
#   make bench      setup + data + the benchmarks (prints ratios; PyTorch is compared if installed)
#   make clean      remove build products (keeps .venv, the data and course/)

PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
PYTEST_ARGS ?=

.PHONY: setup data test bench clean course results notebooks

$(VENV)/.requirements-installed: requirements.txt pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' || \
	  { echo "error: the kit needs Python >= 3.11, but '$(PYTHON)' is $$($(PYTHON) --version 2>&1); run 'make PYTHON=python3.11 ...'" >&2; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	$(PY) -m pip install --quiet --no-build-isolation --no-deps -e .
	touch $@

setup: $(VENV)/.requirements-installed
	$(PY) setup.py --quiet build_ext --inplace
	$(PY) -c "import cs231n.im2col_cython; print('cs231n kit ready: compiled extension', cs231n.im2col_cython.__file__)"

data:
	bash get_datasets.sh

test: setup data
	CS231N_REQUIRE_DATA=1 $(PY) -m pytest $(PYTEST_ARGS)

course: setup data
	$(PY) -m tools.course demo

results: setup data
	$(PY) -m tools.run_notebooks

notebooks: setup
	$(PY) -m tools.nbbuild

# Each benchmark exits 1 if a target is missed; `-` lets make run both and report.
bench: setup data
	-$(PY) benchmarks/bench_fast_layers.py
	-$(PY) benchmarks/bench_assignment1.py
	-$(PY) benchmarks/bench_assignment2.py

clean:
	rm -rf build cs231n/*.so cs231n/im2col_cython.c *.egg-info

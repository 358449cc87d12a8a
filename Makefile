# Two commands do all set-up on a fresh machine with Python 3.11+:
#   make run    runs the main job on the bundled data
#   make test   runs the test suite (ruff included)
# and `make month` runs every batch of the run set params/runs/$(RUN_SET).yaml.
# Both create the project's virtual environment (.venv) on first use and register the
# Jupyter kernel "zzforecast" that every notebook run names explicitly.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
KERNEL := zzforecast
YEAR ?= 2017
AS_OF ?= 2017-07
SCENARIO ?= baseline
RUN_SET ?= monthly

.PHONY: run month test setup lab clean-venv

$(STAMP): pyproject.toml
	$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "zzforecast needs Python 3.11 or newer")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[pdf,dev]'
	$(BIN)/python -m ipykernel install --sys-prefix --name $(KERNEL) --display-name "Python (zzforecast)"
	touch $(STAMP)

setup: $(STAMP)

run: $(STAMP)
	$(BIN)/zzforecast validate
	$(BIN)/zzforecast reports --year $(YEAR) --as-of $(AS_OF) --scenario $(SCENARIO)

month: $(STAMP)
	$(BIN)/zzforecast validate
	$(BIN)/zzforecast runs $(RUN_SET)

test: $(STAMP)
	$(BIN)/python -m pytest

lab: $(STAMP)
	$(BIN)/jupyter lab --MappingKernelManager.default_kernel_name=$(KERNEL) notebooks/

clean-venv:
	rm -rf $(VENV)

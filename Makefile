# make demo: grade the bundled solutions, stubs and example class; make test: all the tests.
# Both create the virtual environment .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint typecheck fast notebooks contract clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/python tools/demo.py
	$(BIN)/calcgrade grade examples/class --module m1_derivatives --out demo-out

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

fast: $(STAMP)
	$(BIN)/pytest -m "not slow" -q

test: $(STAMP) lint typecheck
	$(BIN)/pytest -m "not slow" -q
	$(BIN)/pytest -m slow -q -n 2 --dist loadfile

notebooks: $(STAMP)
	$(BIN)/python tools/sync_notebooks.py

contract: $(STAMP)
	$(BIN)/python tools/contract.py

clean:
	rm -rf $(VENV) demo-out .pytest_cache .mypy_cache .ruff_cache

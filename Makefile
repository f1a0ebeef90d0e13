# OpenPEEL: `make demo` builds everything from the bundled sample; `make test` runs the checks.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOME_DIR ?= openpeel-home

.PHONY: install demo test lint typecheck docs docs-check pytest bench clean

$(BIN)/openpeel: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=25.1"
	$(BIN)/python -m pip install --quiet -e . --group dev
	@touch $@

install: $(BIN)/openpeel

demo: install
	$(BIN)/openpeel demo --home $(HOME_DIR)

lint: install
	$(BIN)/ruff check src tests benchmarks scripts
	$(BIN)/ruff format --check src tests benchmarks scripts

typecheck: install
	$(BIN)/mypy

docs: install
	$(BIN)/openpeel docs dictionary
	$(BIN)/openpeel docs settings
	$(BIN)/openpeel docs indicators
	$(BIN)/openpeel docs framework

docs-check: install
	$(BIN)/openpeel docs dictionary --check
	$(BIN)/openpeel docs settings --check
	$(BIN)/openpeel docs indicators --check
	$(BIN)/openpeel docs framework --check

pytest: install
	$(BIN)/pytest -q

test: lint typecheck docs-check pytest

bench: install
	$(BIN)/python benchmarks/ingest.py --write
	$(BIN)/python benchmarks/indicators.py --write
	$(BIN)/python benchmarks/publishing.py --write

clean:
	rm -rf $(VENV) $(HOME_DIR) .mypy_cache .ruff_cache .pytest_cache

# The two commands a newcomer needs: `make demo` and `make test`. Each creates .venv when missing.
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin

.PHONY: demo test lint format install clean

$(BIN)/.installed: pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test,dev]"
	@touch $@

install: $(BIN)/.installed

## make demo: demo database under var/, demo data, development login; http://127.0.0.1:8000
demo: $(BIN)/.installed
	$(BIN)/grants demo

## make test: lint, types, and the whole test suite (SQLite; PostgreSQL with GRANTS_TEST_DATABASE_URL),
## one test process per core, each with its own database
test: $(BIN)/.installed lint
	$(BIN)/python -m pytest -n auto --dist loadfile

lint: $(BIN)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: $(BIN)/.installed
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache .mypy_cache

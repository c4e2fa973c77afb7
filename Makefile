# The two commands of the README:
#   make run    set up, migrate and start the service on the sample watchlist (SQLite, outbox folder)
#   make test   set up and run every check CI runs
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test setup lint typecheck pytest clean

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)

run: $(STAMP)
	$(BIN)/monitor db upgrade
	$(BIN)/monitor run

lint: $(STAMP)
	$(BIN)/ruff check monitor tests bench scripts alembic fuzz
	$(BIN)/ruff format --check monitor tests bench scripts alembic fuzz

typecheck: $(STAMP)
	$(BIN)/mypy monitor

pytest: $(STAMP)
	$(BIN)/pytest

test: lint typecheck pytest

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache

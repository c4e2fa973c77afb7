# The two commands of the README:
#   make run    set up, migrate and start the service on the sample watchlist (SQLite, outbox folder)
#   make test   set up and run every check CI runs
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test setup lint typecheck pytest clean

# No --quiet: when a pin cannot be installed, pip's own reason (e.g. "Requires-Python >=3.11.5") shows.
$(STAMP): pyproject.toml constraints.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11, 5) else "redwatch needs Python 3.11.5 or newer; $(PYTHON) is " + sys.version.split()[0] + " (run make PYTHON=/path/to/a/newer/python3)")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --disable-pip-version-check --progress-bar off -c constraints.txt -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)

run: $(STAMP)
	$(BIN)/monitor db upgrade
	$(BIN)/monitor run

lint: $(STAMP)
	$(BIN)/ruff check monitor tests bench scripts fuzz setup.py build_backend
	$(BIN)/ruff format --check monitor tests bench scripts fuzz setup.py build_backend

typecheck: $(STAMP)
	$(BIN)/mypy monitor

pytest: $(STAMP)
	$(BIN)/pytest -n 2

test: lint typecheck pytest

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache

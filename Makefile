# Two commands do everything on a fresh machine with python3, make and git:
#   make demo   creates .venv, installs from pinned versions, opens the TUI on the offline demo
#   make test   creates .venv with the test extras, runs ruff, mypy and the whole test suite

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt

.PHONY: demo test lint typecheck pytest bench soak screenshots install install-test clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml constraints.txt | $(BIN)/python
	$(PIP) -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml constraints.txt | $(BIN)/python
	$(PIP) -e '.[test]'
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed

install-test: $(VENV)/.installed-test

demo: install
	$(BIN)/kameng-tui --demo

lint: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install-test
	$(BIN)/mypy

pytest: install-test
	$(BIN)/pytest

test: lint typecheck pytest

bench: install-test  # tools/termbytes.py serves the demo over HTTP: the server extra
	$(BIN)/python tools/bench.py

soak: install
	$(BIN)/python tools/soak.py

screenshots: install-test
	$(BIN)/python tools/screenshots.py screenshots

.PHONY: openapi
openapi: install  # docs/openapi.json from the wire format's structs
	$(BIN)/python tools/openapi.py

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache

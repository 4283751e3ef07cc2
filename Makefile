# Jigsaw. `make` lists the targets.
.DEFAULT_GOAL := help
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
SOURCES := src tests bench
# One test file, folder or test id for `make test`, `make test-fast` or `make check`:
#   make test TARGET=tests/stats/test_rates.py
TARGET ?=
# The tests `make test-fast` leaves out: Splink on Spark, the browser, the demo in a subprocess and
# those marked slow (building and installing the wheel).
SLOW_MARKERS := not spark and not browser and not demo and not slow

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-16s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	test -x $(PY) || python3.11 -m venv $(VENV) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[web,test,spark]'
	touch $(STAMP)

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --silent
	touch $@

bootstrap: $(STAMP) node_modules/.installed  ## create .venv, install Jigsaw and the front-end assets

system-packages:  ## install the Debian packages the tests need (PostgreSQL, chromium, Java, npm) if missing
	bash scripts/system-packages

demo: bootstrap  ## build the 2025 national report and the synthetic partnership, serve on http://127.0.0.1:8000
	$(VENV)/bin/jigsaw demo

# The README's test command, which CI (.ci/run) runs: every check, then the whole suite.
# With TARGET=..., only those tests, for a quick run while working.
test:  ## make check (what CI runs); with TARGET=FILE, only those tests
ifeq ($(strip $(TARGET)),)
test: check
else
test: bootstrap
	$(VENV)/bin/pytest $(TARGET)
endif

# In this order, so the quick checks fail first; `make -k check` runs them all.
check: lint format-check typecheck check-migrations test-suite  ## ruff, ruff format --check, mypy, migrations, then the tests

test-suite: system-packages bootstrap  ## the whole test suite (or TARGET) without the static checks; the web flows on PostgreSQL, then on SQLite
	$(VENV)/bin/pytest $(TARGET)
	$(if $(strip $(TARGET)),,JIGSAW_TEST_DATABASE=sqlite $(VENV)/bin/pytest tests/web -m "not browser and not slow")

test-fast: bootstrap  ## the tests without Spark, the browser, the demo subprocess or the wheel (or TARGET)
	$(VENV)/bin/pytest -m "$(SLOW_MARKERS)" $(TARGET)

test-postgres: bootstrap  ## the web tests on PostgreSQL (a throwaway cluster unless JIGSAW_TEST_DATABASE_URL is set)
	$(VENV)/bin/pytest tests/web -m "not browser"

test-sqlite: bootstrap  ## the web tests on a SQLite file (tests marked postgres are deselected)
	JIGSAW_TEST_DATABASE=sqlite $(VENV)/bin/pytest tests/web -m "not browser"

test-browser: bootstrap  ## the end-to-end browser tests (Debian's chromium, axe-core)
	$(VENV)/bin/pytest tests/web -m browser

lint: $(STAMP)  ## ruff check, with the security (S) and Django (DJ) rules
	$(VENV)/bin/ruff check $(SOURCES)

format-check: $(STAMP)  ## fail if a file is not as ruff format would write it
	$(VENV)/bin/ruff format --check $(SOURCES)

typecheck: $(STAMP)  ## mypy as configured in pyproject.toml (strict on the core packages)
	$(VENV)/bin/mypy

check-migrations: $(STAMP)  ## fail if a model change has no migration
	DJANGO_SETTINGS_MODULE=jigsaw.web.settings $(PY) -m django makemigrations --check --dry-run

format: $(STAMP)  ## ruff format and import sorting
	$(VENV)/bin/ruff check --fix $(SOURCES)
	$(VENV)/bin/ruff format $(SOURCES)

national-fits: $(STAMP)  ## refit and store the national report's model fits on the shipped DfE data
	$(PY) -c "from jigsaw.oversight._fits import STORED, write_stored; print(write_stored(), 'fits written to', STORED)"

hooks: $(STAMP)  ## install the git pre-commit hook (ruff check and format, from .venv)
	$(VENV)/bin/pre-commit install

.PHONY: help system-packages bootstrap demo test check test-suite test-fast test-postgres test-sqlite test-browser lint format-check typecheck check-migrations format national-fits hooks

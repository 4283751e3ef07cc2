# Jigsaw. `make` lists the targets.
.DEFAULT_GOAL := help
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	test -x $(PY) || python3.11 -m venv $(VENV) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[web,test,spark]'
	touch $(STAMP)

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --silent
	touch $@

bootstrap: $(STAMP) node_modules/.installed  ## create .venv, install Jigsaw and the front-end assets

demo: bootstrap  ## build the 2025 national report and the synthetic partnership, serve on http://127.0.0.1:8000
	$(VENV)/bin/jigsaw demo

test: bootstrap  ## lint, then run the whole test suite
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/pytest

test-postgres: bootstrap  ## the web tests on PostgreSQL (a throwaway cluster unless JIGSAW_TEST_DATABASE_URL is set)
	$(VENV)/bin/pytest tests/web -m "postgres and not browser"

test-browser: bootstrap  ## the end-to-end browser tests (Debian's chromium, axe-core)
	$(VENV)/bin/pytest tests/web -m browser

check-migrations: bootstrap  ## fail if a model change has no migration
	DJANGO_SETTINGS_MODULE=jigsaw.web.settings $(PY) -m django makemigrations --check --dry-run

lint:  ## ruff
	$(VENV)/bin/ruff check src tests bench

format:  ## ruff format and import sorting
	$(VENV)/bin/ruff check --fix src tests bench
	$(VENV)/bin/ruff format src tests bench

.PHONY: help bootstrap demo test test-postgres test-browser check-migrations lint format

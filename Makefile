# Maeul Atlas: `make run` starts everything, `make test` runs the whole suite.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8501
# DATABASE_URL (from the environment) switches to an existing PostGIS; unset, the app and
# the tests use the local cluster that scripts/pg.sh runs (see geo/settings.py).

.PHONY: run serve test unit install deps db setup lint types bench clean ogcapi lock

# One Streamlit process: the default, for one user or a few.
# MALLOC_ARENA_MAX=2: memory freed after sessions close goes back (docs/deploy.md).
run: install db setup
	MALLOC_ARENA_MAX=2 $(BIN)/streamlit run app.py --server.port $(PORT) --server.headless true

# Every core: MAEUL_APP_PROCESSES Streamlit processes (default one per core) behind nginx on
# $(PORT), each browser kept on its process; static files and gzip by nginx (docs/deploy.md).
serve: install db setup
	$(BIN)/python scripts/serve.py --port $(PORT)

test: install db lint types
	$(BIN)/python -m pytest

# The tests that need neither PostgreSQL nor a browser (pure functions, readers, CLI
# parsing): seconds, no cluster.
unit: install
	$(BIN)/python -m pytest -m "not db and not browser"

deps:
	bash scripts/system_deps.sh

install: deps $(BIN)/.installed static/vendor/.done

# requirements.txt locks every transitive version (written by `make lock` from
# pyproject.toml); the project itself is installed editable, which puts `maeul` on the path.
PIP := $(BIN)/pip install -q --disable-pip-version-check
$(BIN)/.installed: requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PIP) -r requirements.txt
	$(PIP) --no-deps -e .
	touch $@

# Re-resolve pyproject.toml's dependencies (with the test and dev extras) into the lock.
lock:
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv
	.lock-venv/bin/pip install -q --disable-pip-version-check -e ".[test,dev]"
	{ sed -n '1,3p' requirements.txt; .lock-venv/bin/pip freeze --exclude-editable; } > requirements.lock.tmp
	mv requirements.lock.tmp requirements.txt && rm -rf .lock-venv

static/vendor/.done: package.json package-lock.json scripts/vendor_assets.py $(BIN)/.installed
	npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	$(BIN)/python scripts/vendor_assets.py
	touch $@

# Local PostGIS cluster with the app's and the tests' databases (skipped with DATABASE_URL).
db:
	bash scripts/pg.sh maeul maeul_test

setup:
	$(BIN)/python -m loaders setup

# Read-only OGC API - Features over the public layers (pygeoapi under gunicorn, one worker
# per core; see docs/ogcapi.md).
OGCAPI_PORT ?= 5000
ogcapi: install db setup
	$(BIN)/python -m layers ogcapi --port $(OGCAPI_PORT)

lint: install
	$(BIN)/ruff check . && $(BIN)/ruff format --check . && $(BIN)/python scripts/vendor_assets.py --check

# Type check of the library code (mypy, configured in pyproject.toml).
types: install
	$(BIN)/mypy geo loaders layers maeul.py

# Every benchmark with its defaults, each beside its reference (figures: docs/benchmarks.md).
# Long (about an hour on 2 cores); run one with `.venv/bin/python bench/bench_X.py --help`.
bench: install db
	for b in bench/bench_*.py; do m=$$(basename $$b .py); echo "== $$m"; $(BIN)/python -m bench.$$m || exit 1; done

clean:
	rm -rf $(VENV) node_modules static/vendor tests/artifacts

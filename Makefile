# Maeul Atlas: `make run` starts everything, `make test` runs the whole suite.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8501
# DATABASE_URL (from the environment) switches to an existing PostGIS; unset, the app and
# the tests use the local cluster that scripts/pg.sh runs (see geo/settings.py).

.PHONY: run serve test install deps db setup lint bench clean ogcapi

# One Streamlit process: the default, for one user or a few.
# MALLOC_ARENA_MAX=2: memory freed after sessions close goes back (docs/deploy.md).
run: install db setup
	MALLOC_ARENA_MAX=2 $(BIN)/streamlit run app.py --server.port $(PORT) --server.headless true

# Every core: MAEUL_APP_PROCESSES Streamlit processes (default one per core) behind nginx on
# $(PORT), each browser kept on its process; static files and gzip by nginx (docs/deploy.md).
serve: install db setup
	$(BIN)/python scripts/serve.py --port $(PORT)

test: install db
	$(BIN)/python -m pytest

deps:
	bash scripts/system_deps.sh

install: deps $(BIN)/.installed static/vendor/.done

$(BIN)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check -r requirements.txt
	touch $@

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

lint:
	$(BIN)/ruff check . && $(BIN)/ruff format --check . && $(BIN)/python scripts/vendor_assets.py --check

clean:
	rm -rf $(VENV) node_modules static/vendor tests/artifacts

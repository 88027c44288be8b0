# Maeul Atlas: `make run` starts everything, `make test` runs the whole suite.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8501
LOCAL_DB := postgresql+psycopg://maeul@127.0.0.1:54329
export DATABASE_URL ?= $(LOCAL_DB)/maeul

.PHONY: run test install deps db setup lint bench clean

run: install db setup
	$(BIN)/streamlit run app.py --server.port $(PORT) --server.headless true

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

# Local PostGIS cluster (skipped when DATABASE_URL points elsewhere: see scripts/pg.sh).
db:
	@if [ "$(DATABASE_URL)" = "$(LOCAL_DB)/maeul" ]; then bash scripts/pg.sh maeul maeul_test; \
	else bash scripts/pg.sh; fi

setup:
	$(BIN)/python -m loaders setup

lint:
	$(BIN)/ruff check . && $(BIN)/ruff format --check . && $(BIN)/python scripts/vendor_assets.py --check

clean:
	rm -rf $(VENV) node_modules static/vendor tests/artifacts

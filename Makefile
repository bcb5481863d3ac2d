# Huying — the two commands: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export FLASK_APP := wsgi.py
HOST ?= 127.0.0.1
PORT ?= 5000
# The app reads them too: the fake WeChat's address and PUBLIC_BASE_URL follow the port.
export HOST PORT

.PHONY: run test setup db demo lint bench clean

$(STAMP): requirements.txt requirements-dev.txt
	@echo "==> creating $(VENV) and installing pinned dependencies"
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $(STAMP)

setup: $(STAMP)

db: setup
	@echo "==> applying migrations"
	@$(BIN)/flask db upgrade

demo: db
	@echo "==> loading demo data"
	@$(BIN)/flask seed demo

## Serve the API, the public pages and the scheduler on 127.0.0.1:5000 (fake WeChat bundled).
## The scheduler runs beside the dev server in its own process; Ctrl-C stops both.
run: demo
	@echo "==> serving on http://$(HOST):$(PORT)  (API docs: http://$(HOST):$(PORT)/api/v1/docs)"
	@$(BIN)/flask scheduler run & scheduler=$$!; \
	trap 'kill -TERM $$scheduler 2>/dev/null; wait $$scheduler' EXIT INT TERM; \
	$(BIN)/flask run --host $(HOST) --port $(PORT) --no-reload

## Run the whole suite on SQLite and on PostgreSQL (required when CI=true).
test: setup
	@bash tests/ensure-chromium.sh
	@$(BIN)/python -m pytest $(PYTEST_ARGS)

## Benchmark the production server (gunicorn + PostgreSQL + wrk) on synthetic data; not part
## of `make test`. BENCH_SCALE=tiny|county|city (default county), BENCH_POSTGRES_URL (server).
bench: setup
	@$(BIN)/python bench/run.py
	@$(BIN)/python bench/place.py

lint: setup
	@$(BIN)/ruff check .

clean:
	rm -rf $(VENV) instance/huying.db* .pytest_cache

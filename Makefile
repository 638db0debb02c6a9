# The two commands: `make run` and `make test` (and `make test-slow`, which CI runs too). Everything else is a
# helper they call.
SHELL := /bin/bash
PYTHON ?= python3
UV_VERSION := 0.13.8
UV := .tools/bin/uv
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: run test test-slow test-all lint migrations-check pytest env clean-data bench

# uv installs the locked dependencies; it lives in its own small venv so syncing .venv never removes it.
$(UV):
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

# Re-sync only when the lock or the project file changed.
$(VENV)/.synced: $(UV) uv.lock pyproject.toml
	UV_PYTHON=$(PYTHON) $(UV) sync --frozen --quiet
	@touch $@

env: $(VENV)/.synced

run: env
	@./scripts/run.sh

# `make test` leaves out the slow suites (tests/conftest.py: SLOW); `make test-slow` runs only those; CI runs both.
test: env
	@./scripts/test.sh -m "not slow"

test-slow: env
	@./scripts/test.sh -m slow

test-all: env
	@./scripts/test.sh

# Every performance number in one table (bench/README.md). `make bench BENCH_ARGS=--quick` for a short run.
bench: env
	$(PY) -m bench.run $(BENCH_ARGS)

lint: env
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

migrations-check: env
	$(PY) manage.py makemigrations --check --dry-run --settings=config.settings.test

pytest: env
	$(VENV)/bin/pytest

# Stop the embedded PostgreSQL and delete its data (the catalog and demo are rebuilt on the next `make run`).
clean-data: env
	-$(PY) -m config.embedded_db stop
	rm -rf .data

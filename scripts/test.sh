#!/usr/bin/env bash
# `make test` / `make test-slow` / `make test-all`: lint, migrations in step with the models, then pytest (with the
# make target's marker selection) on real PostgreSQL (embedded unless DATABASE_URL is set) with a real Celery
# worker on the configured broker.
set -euo pipefail
cd "$(dirname "$0")/.."
export DJANGO_SETTINGS_MODULE=config.settings.test

started_embedded=0
stop_embedded() {
  if [ "$started_embedded" = 1 ]; then .venv/bin/python -m config.embedded_db stop >/dev/null 2>&1 || true; fi
}
trap stop_embedded EXIT
if [ -z "${DATABASE_URL:-}" ] && [ "$(.venv/bin/python -m config.embedded_db status)" != running ]; then
  started_embedded=1
fi

echo "== ruff"
.venv/bin/ruff check .
.venv/bin/ruff format --check .
echo "== makemigrations --check"
.venv/bin/python manage.py makemigrations --check --dry-run
echo "== pytest"
set +e
.venv/bin/pytest "$@"
rc=$?
set -e
# pytest exits 5 when it collected no test: that is a failure of the suite, not a pass.
if [ $rc -eq 5 ]; then echo "pytest collected no tests" >&2; exit 1; fi
exit $rc

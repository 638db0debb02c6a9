#!/usr/bin/env bash
# `make run`: database (embedded unless DATABASE_URL is set), migrations, first-start data, then web + worker +
# beat under honcho. Ctrl-C stops every child, then the embedded database.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
export DJANGO_SETTINGS_MODULE=${DJANGO_SETTINGS_MODULE:-config.settings.local}
export PORT=${PORT:-8000}
export PYTHONUNBUFFERED=1

started_embedded=0
stop_embedded() {
  if [ "$started_embedded" = 1 ]; then
    echo "Stopping the embedded PostgreSQL..."
    $PY -m config.embedded_db stop >/dev/null 2>&1 || true
  fi
}
trap stop_embedded EXIT

if [ -z "${DATABASE_URL:-}" ]; then
  echo "DATABASE_URL is not set: starting the embedded PostgreSQL (data in .data/postgres)..."
  $PY -m config.embedded_db start >/dev/null
  started_embedded=1
fi

$PY manage.py migrate --noinput -v0
$PY manage.py bootstrap --demo

cat <<MSG

  Modelgate is starting at http://127.0.0.1:${PORT}
  API docs: http://127.0.0.1:${PORT}/api/docs/   Admin: http://127.0.0.1:${PORT}/admin/
  Press Ctrl-C to stop everything.

MSG
# honcho stops all children when one exits or on Ctrl-C; not exec'd, so the trap above still runs.
.venv/bin/honcho start -f Procfile || true

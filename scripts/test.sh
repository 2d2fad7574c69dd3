#!/usr/bin/env bash
# The test command behind `make test`: the whole pytest suite.
#
# Without DATABASE_URL it runs on SQLite in memory with an in-memory broker and
# skips the tests marked postgres/redis/e2e that cannot run here (pytest -ra
# lists each skip with its reason). With DATABASE_URL=postgres://... and
# CELERY_BROKER_URL=redis://... (as .ci/run sets them) it runs everything.
# Extra pytest options pass through: make test ARGS="-k allocation -x".
set -uo pipefail
cd "$(dirname "$0")/.."

database="${DATABASE_URL:-}"
broker="${CELERY_BROKER_URL:-}"
echo "make test: database ${database:-SQLite in memory (set DATABASE_URL=postgres://... for PostgreSQL tests)}"
echo "make test: broker   ${broker:-in memory (set CELERY_BROKER_URL=redis://... for Redis tests)}"
chromium="${E2E_CHROMIUM:-/usr/bin/chromium}"
if [ -x "$chromium" ]; then
  echo "make test: browser  $chromium (e2e tests run)"
else
  echo "make test: browser  none at $chromium (e2e tests skipped; apt-get install chromium to run them)"
fi

# One process by default: on the 2-core machines this project runs on, pytest-xdist
# measured no faster (its per-worker database setup eats the gain). The suite is
# xdist-safe (pytest-django gives each worker its own test database, the live
# server and the Redis test queues are per worker): PYTEST_WORKERS=auto make test.
workers=()
if [ "${PYTEST_WORKERS:-0}" != "0" ]; then
  workers=(-n "$PYTEST_WORKERS")
fi

.venv/bin/pytest -p no:cacheprovider "${workers[@]}" "$@"
status=$?
if [ "$status" -eq 5 ]; then
  echo "make test: pytest collected no tests; that is a failure (check testpaths and -k/-m filters)" >&2
  exit 1
fi
exit "$status"

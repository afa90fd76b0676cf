#!/usr/bin/env bash
# The whole suite on SQLite, then again on PostgreSQL when DATABASE_URL points at one.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
export WIREDESK_DATA_DIR="${WIREDESK_TEST_DATA_DIR:-$(mktemp -d)}"
pg_url="${DATABASE_URL:-}"

echo "== tests on SQLite"
env -u DATABASE_URL -u CELERY_BROKER_URL -u CACHE_URL "$BIN/pytest" "$@"

if [[ "$pg_url" == postgres* ]]; then
  echo "== tests on PostgreSQL"
  DATABASE_URL="$pg_url" "$BIN/pytest" -m "not sqlite_only" "$@"
fi

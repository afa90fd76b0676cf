#!/usr/bin/env bash
# The whole suite on SQLite, then again on PostgreSQL when DATABASE_URL points at one.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN="${VENV:-.venv}/bin"
export WIREDESK_DATA_DIR="${WIREDESK_TEST_DATA_DIR:-$(mktemp -d)}"
pg_url="${DATABASE_URL:-}"

# The browser tests (tests/browser) drive Debian's chromium; install it when it is missing.
if [[ ! -x /usr/bin/chromium ]]; then
  if [[ $(id -u) -eq 0 ]]; then
    echo "== installing Debian's chromium for the browser tests"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q
    apt-get install -y -q chromium
  else
    echo "== /usr/bin/chromium is missing and this is not root: the browser tests will be skipped" \
         "(as root, or with 'sudo apt-get install chromium', they run)"
  fi
fi

# One test process per core (pytest-xdist), at most four; each takes its own folder inside
# WIREDESK_DATA_DIR (tests/conftest.py). WIREDESK_TEST_PROCESSES=0 runs the suite in this one
# (needed for --pdb).
cores=$(nproc 2>/dev/null || getconf _NPROCESSORS_ONLN 2>/dev/null || echo 2)
procs="${WIREDESK_TEST_PROCESSES:-$(( cores < 4 ? cores : 4 ))}"
set -- -n "$procs" --dist worksteal "$@"

echo "== tests on SQLite ($procs processes)"
env -u DATABASE_URL -u CELERY_BROKER_URL -u CACHE_URL "$BIN/pytest" "$@"

if [[ "$pg_url" == postgres* ]]; then
  echo "== tests on PostgreSQL"
  # The browser tests read the same pages as on SQLite: they run in the first pass only.
  # The cache and broker stay the embedded ones, as on SQLite: a Redis cache in the caller's
  # environment would be one cache for every test process (and each test empties it).
  env -u CELERY_BROKER_URL -u CACHE_URL DATABASE_URL="$pg_url" "$BIN/pytest" -m "not sqlite_only and not browser" "$@"
fi

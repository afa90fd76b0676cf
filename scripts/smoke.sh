#!/usr/bin/env bash
# The package as a user installs it: built as a wheel, installed without -e into a brand-new
# virtualenv (with the pip that venv ships) from the lock, and run from outside the checkout.
# It catches what the test suite cannot: templates, static files or demo wires missing from
# the wheel, and dependencies the project uses but does not name.
#   bash scripts/smoke.sh [PYTHON]
set -euo pipefail
cd "$(dirname "$0")/.."
checkout=$(pwd)
PYTHON="${1:-$(bash scripts/python.sh)}"
work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
free_port() { "$PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
fail() { echo "smoke: $*" >&2; exit 1; }

echo "== smoke: building the wheel with $("$PYTHON" --version)"
"$PYTHON" -m venv "$work/build"
"$work/build/bin/python" -m pip install --quiet --upgrade pip
"$work/build/bin/python" -m pip wheel --quiet --no-deps -w "$work/dist" "$checkout"
wheel=$(ls "$work"/dist/wiredesk-*.whl)

echo "== smoke: a brand-new virtualenv, the dependencies from the lock, the wheel"
"$PYTHON" -m venv "$work/venv"
V="$work/venv/bin"
"$V/python" -m pip install --quiet --disable-pip-version-check --require-hashes -r "$checkout/requirements.lock"
"$V/python" -m pip install --quiet --disable-pip-version-check --no-deps "$wheel"

cd "$work"  # the installed package is what runs, never the checkout's source tree
export WIREDESK_DATA_DIR="$work/data" WIREDESK_STATIC_ROOT="$work/static"
unset DATABASE_URL CELERY_BROKER_URL CACHE_URL PYTHONPATH

echo "== smoke: every module imports"
"$V/python" - <<'PY'
import importlib, os, pkgutil
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wiredesk.project.settings")
import django
django.setup()
import wiredesk
assert "site-packages" in wiredesk.__file__, f"imported from {wiredesk.__file__}, not the installed wheel"
names = [m.name for m in pkgutil.walk_packages(wiredesk.__path__, "wiredesk.") if not m.name.endswith("__main__")]
failed = []
for name in names:
    try:
        importlib.import_module(name)
    except Exception as exc:
        failed.append(f"{name}: {type(exc).__name__}: {exc}")
assert not failed, "\n".join(failed)
print(f"   {len(names)} modules")
PY

echo "== smoke: migrate, collectstatic and check --deploy with production settings"
"$V/wiredesk" migrate --noinput >/dev/null
production=(env WIREDESK_ENV=production WIREDESK_SECRET_KEY="$("$PYTHON" -c 'import secrets; print(secrets.token_urlsafe(50))')")
"${production[@]}" "$V/wiredesk" collectstatic --noinput >/dev/null
test -s "$work/static/staticfiles.json" || fail "collectstatic wrote no manifest"
"${production[@]}" "$V/wiredesk" check --deploy --fail-level WARNING

echo "== smoke: the web server answers a brand page"
"$V/wiredesk" demo_load --wires-url "http://127.0.0.1:$(free_port)" >/dev/null
port=$(free_port)
WIREDESK_PORT="$port" "$V/wiredesk" web --workers 1 >"$work/web.log" 2>&1 &
pids+=($!)
page=""
for _ in $(seq 1 60); do
  if page=$("$V/python" -c 'import sys, urllib.request as u; r = u.urlopen(u.Request(sys.argv[1], headers={"Host": "harbour.localhost"}), timeout=5); print(r.status); print(r.read().decode())' "http://127.0.0.1:$port/" 2>/dev/null); then
    break
  fi
  sleep 1
done
[[ "$(head -n1 <<<"$page")" == 200 ]] || { cat "$work/web.log" >&2; fail "no brand page from the web server"; }
grep -q '<link rel="stylesheet"' <<<"$page" || fail "the brand page has no stylesheet"
echo "   200 for the front page of harbour.localhost"

worker_starts() {  # $1: what it is, then the environment for the worker
  local what=$1; shift
  local log="$work/worker-$RANDOM.log"
  env "$@" "$V/wiredesk" worker --concurrency 1 --name "smoke$RANDOM" >"$log" 2>&1 &
  local pid=$!
  pids+=("$pid")
  for _ in $(seq 1 60); do
    if grep -q " ready\." "$log"; then
      kill -TERM "$pid"
      echo "   a worker started on $what"
      return 0
    fi
    kill -0 "$pid" 2>/dev/null || break
    sleep 1
  done
  cat "$log" >&2
  fail "no worker started on $what"
}
echo "== smoke: a worker starts on the embedded broker, and on Redis"
worker_starts "the embedded broker" WIREDESK_NOTHING=1
if "$V/python" -c 'import redis; redis.Redis(socket_connect_timeout=1).ping()' 2>/dev/null; then
  worker_starts "Redis" CELERY_BROKER_URL=redis://127.0.0.1:6379/15
else
  echo "   (no Redis on 127.0.0.1:6379 here: the Redis worker was not tried)"
fi
echo "== smoke: passed"

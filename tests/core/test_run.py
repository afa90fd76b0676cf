"""The one-machine deployment for real: migrate, demo_load, `wiredesk run`, articles, SIGTERM.

Subprocesses in their own data folder (SQLite database and SQLite broker); the demo wires are
served from this process on a loopback port. No Django database of the test run is used.
"""

from __future__ import annotations

import html
import http.client
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from wiredesk.demo.server import DemoWireServer

# Its processes use their own SQLite data folder whatever the suite runs on: once is enough.
pytestmark = [pytest.mark.slow, pytest.mark.sqlite_only, pytest.mark.timeout(120)]

WIREDESK = Path(sys.executable).parent / "wiredesk"
ARTICLES_WITHIN = 45.0
STOP_WITHIN = 20.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def clean_env(data_dir: Path, **extra: str) -> dict[str, str]:
    """This environment without any deployment settings of its own, pointed at ``data_dir``."""
    env = {
        k: v for k, v in os.environ.items()
        if not k.startswith("WIREDESK_") and k not in ("DATABASE_URL", "CELERY_BROKER_URL", "CACHE_URL")
    }
    env.update(
        WIREDESK_DATA_DIR=str(data_dir),
        WIREDESK_FETCH_ALLOW_NETWORKS="127.0.0.1/32",
        PYTHONUNBUFFERED="1",
        **extra,
    )
    return env


def wiredesk(env: dict[str, str], *args: str, timeout: float = 30) -> str:
    done = subprocess.run([str(WIREDESK), *args], env=env, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"wiredesk {' '.join(args)} exited {done.returncode}\n{done.stdout}\n{done.stderr}"
    return done.stdout


def query(db: Path, sql: str) -> list[tuple]:
    if not db.exists():
        return []
    con = sqlite3.connect(db, timeout=5)
    try:
        return con.execute(sql).fetchall()
    except sqlite3.OperationalError:  # locked for longer than the timeout: ask again later
        return []
    finally:
        con.close()


# --- processes without psutil: /proc on Linux -------------------------------------------------


def _stat(pid: int) -> tuple[str, int, str] | None:
    """(state, parent pid, start time) of a live process, or None."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text.rsplit(")", 1)[1].split()
    return fields[0], int(fields[1]), fields[19]


def descendants(root: int) -> dict[int, str]:
    """pid -> start time of every process below ``root`` (the start time guards against pid reuse)."""
    parents: dict[int, list[int]] = {}
    starts: dict[int, str] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (st := _stat(int(entry.name))) is not None:
            parents.setdefault(st[1], []).append(int(entry.name))
            starts[int(entry.name)] = st[2]
    found: dict[int, str] = {}
    todo = [root]
    while todo:
        for child in parents.get(todo.pop(), []):
            found[child] = starts[child]
            todo.append(child)
    return found


def alive(pid: int, start: str) -> bool:
    st = _stat(pid)
    return st is not None and st[2] == start and st[0] not in ("Z", "X")


def accepts(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def get_home(port: int, host: str) -> tuple[int, str]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", "/", headers={"Host": host})
        resp = conn.getresponse()
        return resp.status, resp.read().decode("utf-8", "replace")
    finally:
        conn.close()


def test_wiredesk_run_fetches_the_demo_wires_serves_them_and_stops_on_sigterm(tmp_path):
    if not WIREDESK.exists():
        pytest.fail(f"no wiredesk script beside {sys.executable}")
    has_proc = Path("/proc/self/stat").exists()
    data = tmp_path / "data"
    port = free_port()
    env = clean_env(data, WIREDESK_PORT=str(port), WIREDESK_TICK_SECONDS="2")
    db = data / "wiredesk.sqlite3"
    log_path = tmp_path / "run.log"

    wiredesk(env, "migrate", "--noinput", "-v", "0")
    wires = DemoWireServer(port=0, interval=5)
    run = None
    tree: dict[int, str] = {}

    def log_tail() -> str:
        text = log_path.read_text(errors="replace") if log_path.exists() else ""
        return "\n--- wiredesk run output (last 80 lines) ---\n" + "\n".join(text.splitlines()[-80:])

    try:
        loaded = wiredesk(env, "demo_load", "--wires-url", wires.url(""))
        assert loaded.count("source created") == 4, loaded

        with open(log_path, "wb") as log:
            run = subprocess.Popen([str(WIREDESK), "run"], env=env, stdout=log, stderr=subprocess.STDOUT,
                                   start_new_session=True)

        # Every demo wire delivers articles through beat -> broker -> worker -> source_refresh.
        deadline = time.monotonic() + ARTICLES_WITHIN
        per_source: dict[int, int] = {}
        while time.monotonic() < deadline:
            assert run.poll() is None, f"wiredesk run exited early with {run.returncode}" + log_tail()
            per_source = dict(query(db, "SELECT source_id, COUNT(*) FROM stories_article GROUP BY source_id"))
            if len(per_source) == 4 and accepts(port):
                break
            time.sleep(0.5)
        else:
            pytest.fail(f"articles per source after {ARTICLES_WITHIN:.0f}s: {per_source}" + log_tail())

        print(f"articles from all 4 sources after {ARTICLES_WITHIN - (deadline - time.monotonic()):.1f}s: {per_source}")
        stats = json.loads(wiredesk(env, "stats", "--json"))
        assert stats["sources"] == 4 and stats["articles"] >= sum(per_source.values()) > 0, stats

        # The branded site serves them over HTTP.
        # The newest story's report the brand shows (it links every wire: its story's lead).
        newest = query(db, "SELECT a.title FROM stories_article a JOIN stories_story s ON s.lead_id = a.id "
                           "ORDER BY a.published_at DESC, a.id DESC LIMIT 1")
        assert newest, "no article to look for"
        status, page = get_home(port, "harbour.localhost")
        assert status == 200, page[:2000] + log_tail()
        page = html.unescape(page)
        assert "Harbour Telegraph" in page and newest[0][0] in page, page[:3000]

        # The page is now cached by a web process. A story stored by another process (here
        # `wiredesk fetch`, as the worker would) must show on it at once: the content
        # generation that keys cached pages lives in a cache the processes share.
        first_id = query(db, "SELECT MAX(id) FROM stories_article")[0][0]
        deadline = time.monotonic() + 40
        fresh = None
        while time.monotonic() < deadline and fresh is None:
            time.sleep(3)  # the demo wires publish a new story every few seconds
            wiredesk(env, "fetch", "--all", "--json", timeout=60)
            # A story that is new, through the report the brand shows for it (its lead, as above):
            # a new write-up of a story already shown joins it and is not a new entry.
            rows = query(db, "SELECT a.title FROM stories_article a JOIN stories_story s ON s.lead_id = a.id "
                             f"WHERE a.id > {first_id} AND s.first_seen_at = a.published_at "
                             "ORDER BY a.published_at DESC, a.id DESC LIMIT 1")
            if rows:
                fresh = rows[0][0]
        assert fresh, "no new story arrived from the demo wires" + log_tail()
        status, page = get_home(port, "harbour.localhost")
        assert status == 200 and fresh in html.unescape(page), f"the cached home page misses {fresh!r}" + log_tail()

        # A worker killed outright is started again, and the new one polls the queue and takes
        # tasks (its heartbeat); the web server stays up meanwhile.
        status_path = data / "run" / "status.json"
        rows = {r["name"]: r for r in json.loads(status_path.read_text())["processes"]}
        assert rows["worker-1"]["state"] == "running" and rows["worker-1"]["restarts"] == 0, rows
        killed_at = time.time()
        os.kill(rows["worker-1"]["pid"], signal.SIGKILL)
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            rows = {r["name"]: r for r in json.loads(status_path.read_text())["processes"]}
            beat = data / "run" / "worker-1.heartbeat"
            if rows["worker-1"]["restarts"] == 1 and rows["worker-1"]["state"] == "running" \
                    and beat.exists() and beat.stat().st_mtime > killed_at + 1:
                break
            assert run.poll() is None, "wiredesk run exited after a worker was killed" + log_tail()
            time.sleep(0.5)
        else:
            pytest.fail(f"the killed worker was not replaced by one taking tasks: {rows['worker-1']}" + log_tail())
        assert rows["worker-1"]["last_cause"] == "killed by SIGKILL" and rows["web"]["restarts"] == 0, rows
        assert rows["worker-2"]["restarts"] == 0, rows
        assert "worker-1 killed by SIGKILL; restarting in" in log_path.read_text()
        status, _page = get_home(port, "harbour.localhost")
        assert status == 200

        if has_proc:
            tree = descendants(run.pid)
            # web (gunicorn and its two workers), two workers, the scheduler.
            assert len(tree) >= 6, f"expected web, workers, scheduler and gunicorn's children, got {tree}" + log_tail()

        # SIGTERM to `wiredesk run` alone: it must stop everything it started.
        stopped_at = time.monotonic()
        run.send_signal(signal.SIGTERM)
        try:
            code = run.wait(timeout=STOP_WITHIN)
        except subprocess.TimeoutExpired:
            pytest.fail(f"wiredesk run still running {STOP_WITHIN:.0f}s after SIGTERM" + log_tail())
        assert code == 0, f"wiredesk run exited with {code}" + log_tail()
        left = {}
        while time.monotonic() < stopped_at + STOP_WITHIN:
            left = {pid: start for pid, start in tree.items() if alive(pid, start)}
            if not left and not accepts(port):
                break
            time.sleep(0.2)
        print(f"stopped in {time.monotonic() - stopped_at:.1f}s; processes that were running: {sorted(tree)}")
        assert not left, f"still running after SIGTERM: {sorted(left)}" + log_tail()
        assert not accepts(port), "the web port still accepts connections" + log_tail()
        output = log_path.read_text(errors="replace")
        for name in ("web", "worker-1", "worker-2", "scheduler"):
            assert f"started {name} (pid" in output, output
    finally:
        if run is not None and run.poll() is None:
            os.killpg(run.pid, signal.SIGKILL)
            run.wait(timeout=10)
        for pid, start in tree.items():
            if alive(pid, start):
                os.kill(pid, signal.SIGKILL)
        wires.stop()

"""A database that cannot be used just now: readers get the brand's "temporarily unavailable"
page (503, Retry-After), commands one line; both for real, with the database locked."""

from __future__ import annotations

import http.client
import sqlite3
import subprocess
import time

import pytest

from tests.core.test_run import WIREDESK, accepts, clean_env, free_port, wiredesk
from wiredesk.demo.server import DemoWireServer

pytestmark = pytest.mark.timeout(180)


def get(port: int, path: str, host: str) -> tuple[int, dict[str, str], str]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path, headers={"Host": host})
        resp = conn.getresponse()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read().decode("utf-8", "replace")
    finally:
        conn.close()


# SQLite's lock, in processes with their own SQLite data folder: the PostgreSQL pass has nothing to add.
@pytest.mark.sqlite_only
def test_a_locked_database_answers_503_with_the_brand_and_commands_say_so_in_one_line(tmp_path):
    data = tmp_path / "data"
    port = free_port()
    # No page cache: every request here reaches the database. A short busy timeout: a reader
    # gives up on a lock after 1 s instead of 30.
    env = clean_env(data, WIREDESK_PORT=str(port), WIREDESK_PAGE_CACHE="false", WIREDESK_SQLITE_TIMEOUT="1")
    wiredesk(env, "migrate", "--noinput", "-v", "0")
    with DemoWireServer(port=0, interval=3600) as wires:
        wiredesk(env, "demo_load", "--wires-url", wires.url(""))
        wiredesk(env, "fetch", "--all", timeout=120)
    web = subprocess.Popen([str(WIREDESK), "web", "--workers", "1"], env=env, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, start_new_session=True)
    lock = None
    try:
        deadline = time.monotonic() + 60
        while not accepts(port):
            assert time.monotonic() < deadline and web.poll() is None, "the web server did not start"
            time.sleep(0.2)
        status, _, page = get(port, "/", "harbour.localhost")
        assert status == 200 and "Harbour Telegraph" in page

        # Another process takes the database for itself (an exclusive lock held through WAL).
        lock = sqlite3.connect(data / "wiredesk.sqlite3", isolation_level=None)
        lock.execute("PRAGMA locking_mode=EXCLUSIVE")
        lock.execute("BEGIN EXCLUSIVE")
        lock.execute("UPDATE sources_source SET name = name")

        status, headers, page = get(port, "/section/world/", "harbour.localhost")
        assert status == 503, page[:500]
        assert headers["retry-after"] == "30" and "no-store" in headers.get("cache-control", "")
        assert "Temporarily unavailable" in page and "Harbour Telegraph" in page
        assert "Traceback" not in page and "locked" not in page  # nothing of the error is shown

        done = subprocess.run([str(WIREDESK), "stats", "--json"], env=env, capture_output=True, text=True, timeout=60)
        assert done.returncode == 1
        assert done.stderr.strip().count("\n") == 0, done.stderr  # one line
        assert "the database cannot be used just now: database is locked" in done.stderr
        assert "Traceback" not in done.stderr

        lock.execute("ROLLBACK")
        lock.close()
        lock = None
        status, _, page = get(port, "/section/world/", "harbour.localhost")
        assert status == 200  # back as soon as the lock is gone
    finally:
        if lock is not None:
            lock.close()
        web.terminate()
        try:
            web.wait(timeout=20)
        except subprocess.TimeoutExpired:
            web.kill()
            web.wait()


def test_only_errors_of_an_unusable_database_are_503s():
    from django.db import InterfaceError, InternalError, OperationalError, ProgrammingError

    from wiredesk.core.errors import database_unavailable

    for exc in (OperationalError("database is locked"), OperationalError("attempt to write a readonly database"),
                OperationalError("database or disk is full"), OperationalError("disk I/O error"),
                OperationalError("could not connect to server: Connection refused"),
                InternalError("cannot execute INSERT in a read-only transaction"), InterfaceError("connection already closed")):
        assert database_unavailable(exc), exc
    for exc in (OperationalError("no such table: stories_story"), OperationalError('near "SELEC": syntax error'),
                ProgrammingError("column x does not exist"), ValueError("locked")):
        assert not database_unavailable(exc), exc

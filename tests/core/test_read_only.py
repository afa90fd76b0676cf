"""The data folder turns read-only under a running site (reliability D3).

A filesystem of the test's own (tmpfs, remounted read-only while the platform runs, as a
failing disk or a full quota leaves it): readers get pages or the brand's "temporarily
unavailable" page with 503 and Retry-After, never a bare 500; a refresh records nothing
half-way and says what happened in one line; a reader's sign-up is refused the same way;
once the folder is writable again everything works as before.
"""

from __future__ import annotations

import subprocess
import time

import pytest

from tests.core.test_disk_full import small_disk  # noqa: F401  (fixture)
from tests.core.test_run import WIREDESK, accepts, clean_env, free_port, query, wiredesk
from tests.core.test_unavailable import get
from wiredesk.demo.server import DemoWireServer

pytestmark = [pytest.mark.slow, pytest.mark.timeout(240)]


def _remount(folder, mode: str) -> None:
    done = subprocess.run(["mount", "-o", f"remount,{mode}", str(folder)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


@pytest.mark.sqlite_only
def test_a_read_only_data_folder_gives_503s_and_one_line_errors_then_recovers(small_disk):
    data = small_disk / "data"
    port = free_port()
    env = clean_env(data, WIREDESK_PORT=str(port), WIREDESK_PAGE_CACHE="false", WIREDESK_SQLITE_TIMEOUT="1")
    wiredesk(env, "migrate", "--noinput", "-v", "0", timeout=120)
    web = None
    with DemoWireServer(port=0, interval=2) as wires:
        wiredesk(env, "demo_load", "--wires-url", wires.url(""))
        wiredesk(env, "fetch", "--all", timeout=120)
        stored = query(data / "wiredesk.sqlite3", "SELECT COUNT(*) FROM stories_article")[0][0]
        web = subprocess.Popen([str(WIREDESK), "web", "--workers", "1"], env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, start_new_session=True)
        try:
            deadline = time.monotonic() + 60
            while not accepts(port):
                assert time.monotonic() < deadline and web.poll() is None, "the web server did not start"
                time.sleep(0.2)
            assert get(port, "/", "harbour.localhost")[0] == 200

            _remount(small_disk, "ro")
            try:
                seen = {}
                for path in ("/", "/section/world/", "/search/?q=harbour"):
                    status, headers, page = get(port, path, "harbour.localhost")
                    seen[path] = status
                    assert status in (200, 503), (path, status, page[:300])
                    if status == 503:
                        assert headers["retry-after"] == "30" and "Temporarily unavailable" in page
                        assert "Traceback" not in page and "readonly" not in page
                time.sleep(2.5)  # the wires publish more while the folder is read-only
                done = subprocess.run([str(WIREDESK), "fetch", "--all"], env=env, capture_output=True, text=True,
                                      timeout=120)
                assert done.returncode != 0 and "Traceback" not in done.stderr, done.stdout + done.stderr
                assert done.stderr.strip().count("\n") == 0, done.stderr  # one line
                assert "database" in done.stderr or "written" in done.stderr, done.stderr
                print(f"\nread-only: pages {seen}; fetch said: {done.stderr.strip()}")
            finally:
                _remount(small_disk, "rw")

            assert query(data / "wiredesk.sqlite3", "SELECT COUNT(*) FROM stories_article")[0][0] == stored
            wiredesk(env, "fetch", "--all", timeout=120)  # writable again: it catches up
            assert query(data / "wiredesk.sqlite3", "SELECT COUNT(*) FROM stories_article")[0][0] > stored
            assert get(port, "/section/world/", "harbour.localhost")[0] == 200
            checked = subprocess.run([str(WIREDESK), "search_reindex", "--check"], env=env, capture_output=True,
                                     text=True, timeout=120)
            assert checked.returncode == 0, checked.stdout + checked.stderr
        finally:
            web.terminate()
            try:
                web.wait(timeout=20)
            except subprocess.TimeoutExpired:
                web.kill()
                web.wait()


@pytest.mark.django_db(transaction=True)
def test_postgresql_out_of_connections_gives_503s_and_one_line_errors(tmp_path):
    """PostgreSQL refusing every new connection (its limit reached: SQLSTATE 53300) answers
    the brand's 503 page and one line from a command, then works once connections free up.
    A role of the test's own with a connection limit of 0 stands for the exhausted server."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("runs in the PostgreSQL pass of `make test`")
    s = connection.settings_dict
    role = "wiredesk_limited_test"
    with connection.cursor() as cur:
        cur.execute(f"SELECT 1 FROM pg_roles WHERE rolname = '{role}'")
        if cur.fetchone():  # left by an interrupted run
            cur.execute(f"DROP OWNED BY {role}")
            cur.execute(f"DROP ROLE {role}")
        cur.execute(f"CREATE ROLE {role} LOGIN CONNECTION LIMIT 0")  # a superuser would be let in
        cur.execute(f"GRANT ALL ON ALL TABLES IN SCHEMA public TO {role}")
        cur.execute(f"GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO {role}")
    port = free_port()
    env = clean_env(tmp_path / "data", WIREDESK_PORT=str(port), WIREDESK_PAGE_CACHE="false",
                    DATABASE_URL=f"postgres://{role}@{s['HOST']}:{s['PORT']}/{s['NAME']}")
    from wiredesk.brands.models import Brand

    Brand.objects.create(name="Limited Ledger", hosts=["limited.test"])
    web = subprocess.Popen([str(WIREDESK), "web", "--workers", "1"], env=env, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while not accepts(port):
            assert time.monotonic() < deadline and web.poll() is None, "the web server did not start"
            time.sleep(0.2)
        status, headers, page = get(port, "/", "limited.test")
        assert status == 503 and headers["retry-after"] == "30", (status, page[:300])
        assert "Temporarily unavailable" in page and "Traceback" not in page
        done = subprocess.run([str(WIREDESK), "stats", "--json"], env=env, capture_output=True, text=True, timeout=60)
        assert done.returncode == 1 and "Traceback" not in done.stderr
        assert done.stderr.strip().count("\n") == 0 and "the database cannot be used just now" in done.stderr

        with connection.cursor() as cur:
            cur.execute(f"ALTER ROLE {role} CONNECTION LIMIT 10")  # connections free up
        status, _, page = get(port, "/", "limited.test")
        assert status == 200 and "Limited Ledger" in page
    finally:
        web.terminate()
        try:
            web.wait(timeout=20)
        except subprocess.TimeoutExpired:
            web.kill()
            web.wait()
        with connection.cursor() as cur:
            cur.execute(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '{role}'")
            cur.execute(f"DROP OWNED BY {role}")
            cur.execute(f"DROP ROLE IF EXISTS {role}")

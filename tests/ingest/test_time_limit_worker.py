"""A real scheduler and worker, with a 3-second refresh time limit, on a wire whose article
page never answers: the limit ends the refresh, the source records it, what came before the
page is stored and searchable, and the task is acknowledged, not handed back to the broker.
"""

from __future__ import annotations

import threading
import time

import pytest

from tests.core.test_run import clean_env, query, wiredesk
from tests.digest.test_kill import ROOT, _start, _stop
from tests.ingest.test_refresh_e2e import rss
from tests.ingest.test_time_limit import item
from tests.loopback import LoopbackServer, Reply

# Its processes use their own SQLite data folder whatever the suite runs on: once is enough.
pytestmark = [pytest.mark.slow, pytest.mark.sqlite_only, pytest.mark.timeout(240)]


def test_a_worker_ends_a_refresh_at_its_soft_time_limit(tmp_path):
    data = tmp_path / "data"
    env = clean_env(data, WIREDESK_TICK_SECONDS="1", WIREDESK_REFRESH_TIME_LIMIT="3", PYTHONPATH=str(ROOT))
    db, broker = data / "wiredesk.sqlite3", data / "queue.sqlite3"
    log_path = tmp_path / "processes.log"
    released = threading.Event()
    scheduler = worker = None
    added = 0

    def log_tail() -> str:
        text = log_path.read_text(errors="replace") if log_path.exists() else ""
        return "\n--- process output (last 60 lines) ---\n" + "\n".join(text.splitlines()[-60:])

    def stalled(req) -> Reply:
        released.wait(120)
        return Reply(200, "<html><body><p>too late</p></body></html>", {"Content-Type": "text/html"})

    with LoopbackServer() as srv:
        base = srv.url("").rstrip("/")
        body = rss("".join([item(1), item(2), item(3, summary_only=True), item(4)]).format(base=base))
        srv.route("/feed.xml", lambda req: Reply(200, body, {"Content-Type": "application/rss+xml"}))
        srv.route("/quay/3", stalled)
        try:
            wiredesk(env, "migrate", "--noinput", "-v", "0", timeout=120)
            wiredesk(env, "sources", "add", srv.url("/feed.xml"), "--name", "Quayside Ledger", "--credit", "Quayside Ledger")
            added = srv.hits("/feed.xml")  # adding a source reads its feed once
            scheduler = _start(env, log_path, "scheduler")
            worker = _start(env, log_path, "worker", "--concurrency", "1")
            deadline = time.monotonic() + 120
            error = ""
            while not error.startswith("time_limit"):
                assert time.monotonic() < deadline, f"no time limit recorded; last_error={error!r}" + log_tail()
                assert worker.poll() is None, "the worker exited" + log_tail()
                rows = query(db, "SELECT last_error FROM sources_source")
                error = rows[0][0] if rows else ""
                time.sleep(0.2)
            assert not released.is_set()  # recorded while the page was still being waited for
            released.set()
            _stop(scheduler)
            _stop(worker)  # a warm shutdown hands back every task it has not acknowledged
        finally:
            released.set()
            _stop(scheduler)
            _stop(worker)

        assert srv.hits("/feed.xml") == added + 1 and srv.hits("/quay/3") == 1  # one refresh, run once
    (lease, next_check, checked, errors), = query(
        db, "SELECT lease_until, next_check_at, last_checked_at, consecutive_errors FROM sources_source")
    assert lease is None and errors == 1 and next_check > checked
    stored = query(db, "SELECT a.guid FROM stories_article a JOIN search_fts f ON f.rowid = a.id ORDER BY a.guid")
    assert stored == [("quay-1",), ("quay-2",)]  # stored and searchable; nothing after the stalled page
    assert query(db, "SELECT COUNT(*) FROM stories_article") == [(2,)]
    waiting = [p for (p,) in query(broker, "SELECT payload FROM message")]
    assert not [p for p in waiting if "refresh_source" in p], "the refresh was handed back to be run again"

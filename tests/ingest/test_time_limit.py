"""A soft time limit ends a refresh: recorded on the source, what was stored kept and indexed.

The limit arrives as it does in a Celery worker process: billiard's SIGUSR1 handler raises
SoftTimeLimitExceeded in the main thread. Here the signal is sent by a loopback wire whose
article page never answers, once the refresh is waiting for that page.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import sys
import threading
import time

import pytest
from billiard.pool import soft_timeout_sighandler
from celery.exceptions import SoftTimeLimitExceeded

from tests.ingest.test_refresh_e2e import NOW, make_source, rss
from tests.loopback import LoopbackServer, Reply
from tests.search.conftest import assert_indexed_once
from wiredesk.core.http import GuardedClient
from wiredesk.ingest.services import source_refresh
from wiredesk.sources.models import Source
from wiredesk.stories.models import Article

pytestmark = [pytest.mark.django_db, pytest.mark.timeout(60)]


def item(n: int, *, summary_only: bool = False) -> str:
    text = f"<p>PORT ELLIS: Berth {n} of the north quay reopened on Thursday after the storm repairs.</p>"
    body = "<description>Berth works.</description>" if summary_only else f"<content:encoded><![CDATA[{text}]]></content:encoded>"
    return (f"<item><guid>quay-{n}</guid><title>North quay berth {n} reopens</title><link>{{base}}/quay/{n}</link>"
            f"<pubDate>Thu, 19 Nov 2026 0{n}:00:00 +0000</pubDate>{body}</item>")


def waiting_for_a_page(thread: threading.Thread) -> bool:
    """Whether ``thread`` is blocked on the future of an article page (inside _pages_ahead)."""
    frame = sys._current_frames().get(thread.ident)
    names = []
    while frame is not None:
        names.append(frame.f_code.co_name)
        frame = frame.f_back
    return "_pages_ahead" in names and "result" in names


@pytest.fixture
def soft_limit_signal():
    """SIGUSR1 raises SoftTimeLimitExceeded, as in a prefork worker process."""
    before = signal.signal(signal.SIGUSR1, soft_timeout_sighandler)
    yield
    signal.signal(signal.SIGUSR1, before)


def test_the_soft_time_limit_ends_the_refresh_and_is_recorded(soft_limit_signal):
    main = threading.main_thread()
    released = threading.Event()

    def stalled_page(req) -> Reply:
        # The limit strikes while the refresh waits for this page, which never comes in time.
        while not waiting_for_a_page(main):
            time.sleep(0.01)
        os.kill(os.getpid(), signal.SIGUSR1)
        released.wait(30)
        return Reply(200, "<html><body><p>too late</p></body></html>", {"Content-Type": "text/html"})

    http = GuardedClient(allow_networks=("127.0.0.1/32",), deadline=40, connect_timeout=2)
    with LoopbackServer() as srv:
        base = srv.url("").rstrip("/")
        items = [item(1), item(2), item(3, summary_only=True), item(4)]
        srv.route("/feed.xml", lambda req: Reply(200, rss("".join(items).format(base=base)), {"Content-Type": "application/rss+xml"}))
        srv.route("/quay/3", stalled_page)
        # Only the summary-only item needs its page, so the refresh waits for no other.
        source = make_source(srv.url("/feed.xml"), fetch_full_text=False, lease_until=NOW + dt.timedelta(minutes=30))
        try:
            report = source_refresh(source_id=source.id, client=http, now=NOW)
            assert not released.is_set()  # it returned while the page was still being waited for
        finally:
            released.set()

        assert (report.status, report.new, report.failed_items) == ("error", 2, 0)
        assert report.error.startswith("time_limit: stopped after ")
        source.refresh_from_db()
        assert source.last_error == report.error and source.consecutive_errors == 1
        assert source.lease_until is None and source.next_check_at > NOW  # backed off, free to lease
        # The items before the stalled page were stored, and are searchable; none after it.
        assert set(Article.objects.values_list("guid", flat=True)) == {"quay-1", "quay-2"}
        assert_indexed_once()
        assert srv.hits("/quay/3") == 1

        # The next refresh (the page answers now) stores the rest and clears the error.
        srv.route("/quay/3", lambda req: Reply(200, "<html><body><article><p>PORT ELLIS: The third berth reopened.</p>"
                                                    "</article></body></html>", {"Content-Type": "text/html"}))
        again = source_refresh(source_id=source.id, client=http, now=NOW + dt.timedelta(hours=1))
    assert (again.status, again.new, again.unchanged, again.failed_items) == ("ok", 2, 2, 0)
    assert Source.objects.get(id=source.id).consecutive_errors == 0
    assert_indexed_once()


def strike(function: str, nth: int):
    """A tracer that raises SoftTimeLimitExceeded on the ``nth`` call of ``function`` in this
    thread: the limit landing at that point, as the signal would."""
    calls = 0

    def tracer(frame, event, arg):
        nonlocal calls
        if event == "call" and frame.f_code.co_name == function:
            calls += 1
            if calls == nth:
                sys.settrace(None)
                raise SoftTimeLimitExceeded()
        return None

    return tracer


@pytest.mark.parametrize("function, nth", [
    ("convert_to_utf8", 1),  # inside the feed parser, under its catch-all for third-party failures
    ("candidates_by_url", 1),  # before anything is stored
    ("bare_extraction", 1),  # inside the extractor's own catch-all for third-party failures
    ("normalize", 3),
    ("classify", 2),
    ("article_upsert", 2),  # half-way through writing a batch
    ("search_index_write", 1),  # writing the batch's index rows
])
def test_wherever_the_limit_lands_the_refresh_ends_and_nothing_stored_is_unsearchable(function, nth):
    page = ("<html><body><article><p>PORT ELLIS: Berth 2 of the north quay reopened on Thursday after the storm "
            "repairs, the harbour master said, and the first ferry tied up there before noon.</p></article></body></html>")
    http = GuardedClient(allow_networks=("127.0.0.1/32",), deadline=10, connect_timeout=2)
    with LoopbackServer() as srv:
        base = srv.url("").rstrip("/")
        items = [item(1), item(2, summary_only=True), item(3), item(4)]
        srv.static("/feed.xml", rss("".join(items).format(base=base)), "application/rss+xml")
        srv.static("/quay/2", page, "text/html; charset=utf-8")
        source = make_source(srv.url("/feed.xml"), lease_until=NOW + dt.timedelta(minutes=30))
        sys.settrace(strike(function, nth))
        try:
            report = source_refresh(source_id=source.id, client=http, now=NOW)
        finally:
            sys.settrace(None)
        assert (report.status, report.failed_items) == ("error", 0), report.as_dict()
        assert report.error.startswith("time_limit: ")
        source.refresh_from_db()
        assert source.lease_until is None and source.next_check_at > NOW and source.consecutive_errors == 1
        assert source.last_error == report.error
        assert Article.objects.count() == report.new < 4
        assert_indexed_once()

        again = source_refresh(source_id=source.id, client=http, now=NOW + dt.timedelta(hours=1))
    assert (again.status, again.new + again.unchanged, again.failed_items) == ("ok", 4, 0)
    assert Article.objects.count() == 4
    assert_indexed_once()

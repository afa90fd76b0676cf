"""A write batch and the clustering lock, on PostgreSQL (the PostgreSQL pass of `make test`).

Placement serialises every worker on one advisory lock, held until the batch commits
(stories/clusterdb.cluster_lock). A batch therefore inserts its new articles and writes their
index rows before it places any of them, so other workers wait only for placements; it takes
the lock before it updates a stored article's row, the order editors' merges and splits take
them in, so the two never deadlock. And where a transaction taking them in the other order
deadlocks with a batch, PostgreSQL rolls the batch back: it is written again, nothing lost.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from xml.sax.saxutils import escape

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from tests.loopback import LoopbackServer, Reply
from wiredesk.core.http import GuardedClient
from wiredesk.ingest.services import source_refresh
from wiredesk.search.models import SearchDocument
from wiredesk.sources.models import Source
from wiredesk.stories.clusterdb import term_key
from wiredesk.stories.models import Article

pytestmark = pytest.mark.django_db(transaction=True)

NOW = dt.datetime(2026, 11, 20, 12, 0, tzinfo=dt.timezone.utc)
LOCK_KEY = term_key("\x00lock", "stories")


def _postgres_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("the advisory lock and deadlock detection are PostgreSQL's")


def rss(items: list[tuple[str, str, str]]) -> str:
    out = "".join(
        f"<item><guid>{guid}</guid><title>{escape(title)}</title><pubDate>Thu, 19 Nov 2026 09:00:00 +0000</pubDate>"
        f"<description>{escape(f'<p>{escape(body)}</p>')}</description></item>"
        for guid, title, body in items
    )
    return ('<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Lock Wire</title>'
            f"<link>https://lock.example/</link><description>d</description>{out}</channel></rss>")


STORIES = [
    ("lw-1", "Tramline to the north quay opens in spring",
     "VELDHAVEN - The new tramline to the north quay will open in April, the transport board said on Monday."),
    ("lw-2", "Orchard growers count losses after late frost",
     "VELDHAVEN - Apple growers in the valley lost a third of their blossom to a frost on Sunday night."),
    ("lw-3", "Library reopens with a reading room for children",
     "VELDHAVEN - The town library reopened after a year of repairs with a new reading room for children."),
]


@pytest.fixture
def feed():
    with LoopbackServer() as srv:
        doc = {"body": rss(STORIES[:1])}
        srv.route("/lock.xml", lambda req: Reply(200, doc["body"], {"Content-Type": "application/rss+xml"}))
        source = Source.objects.create(name="Lock Wire", credit="Lock Wire", feed_url=srv.url("/lock.xml"))
        yield source, doc


def refresh(source):
    client = GuardedClient(allow_networks=("127.0.0.1/32",), deadline=10, connect_timeout=2)
    return source_refresh(source_id=source.id, client=client, now=NOW)


def test_a_batch_places_only_after_its_upserts_and_index_rows(feed):
    _postgres_only()
    source, doc = feed
    doc["body"] = rss(STORIES)
    with CaptureQueriesContext(connection) as queries:
        report = refresh(source)
    assert (report.status, report.new, report.failed_items) == ("ok", 3, 0)
    sql = [q["sql"] for q in queries.captured_queries]
    lock = next(i for i, s in enumerate(sql) if "pg_advisory_xact_lock" in s and str(LOCK_KEY) in s)
    inserts = [i for i, s in enumerate(sql) if s.startswith('INSERT INTO "stories_article"')]
    index = [i for i, s in enumerate(sql) if f"INSERT INTO {SearchDocument._meta.db_table} " in s]  # executemany: "3 times: INSERT ..."
    assert len(inserts) == 3 and index, (inserts, index)
    assert max(inserts + index) < lock  # nothing of the upserts or the index waits under the lock
    assert Article.objects.filter(source=source, story__isnull=False).count() == 3


def _waiting(cursor, event: str) -> bool:
    """Whether another session of this database waits for a lock of this kind."""
    cursor.execute("SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() "
                   "AND wait_event_type = 'Lock' AND wait_event = %s", [event])
    return bool(cursor.fetchone()[0])


def _other(steps, done: threading.Event, errors: list) -> threading.Thread:
    """Another transaction (an editor's merge, another worker) on its own connection, running
    ``steps(cursor)`` and committing."""
    def run() -> None:
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                steps(cursor)
        except Exception as exc:  # the test's finding, reported below
            errors.append(repr(exc))
        finally:
            done.set()
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def _until(cursor, event: str) -> None:
    deadline = time.monotonic() + 30
    while not _waiting(cursor, event):
        if time.monotonic() > deadline:
            raise AssertionError(f"the batch never waited for a lock ({event})")
        time.sleep(0.02)


def _corrected(doc) -> None:
    """The first story's text corrected (an update of a stored article) and two new ones."""
    doc["body"] = rss([(STORIES[0][0], STORIES[0][1], STORIES[0][2] + " Fares stay as they are."), *STORIES[1:]])


@pytest.fixture
def wiredesk_log():
    """The project's loggers do not propagate to the root (settings.LOGGING): records are
    collected from the "wiredesk" logger itself."""
    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    handler, logger = Keep(level=logging.WARNING), logging.getLogger("wiredesk")
    logger.addHandler(handler)
    yield records
    logger.removeHandler(handler)


@pytest.mark.parametrize("case", ["new and updated", "only an update of an article without a story"])
def test_a_batch_takes_the_lock_before_the_rows_it_updates_as_editors_do(feed, wiredesk_log, case):
    """An editor's merge or split holds the clustering lock and then changes an article this
    batch is about to update. Where the batch will place anything (new articles, or the
    updated article itself, left without a story by a failed placement), it takes the lock
    before it updates any stored row (the order merges and splits take them in), so it waits
    for the editor: no deadlock, neither side rolled back."""
    _postgres_only()
    source, doc = feed
    assert refresh(source).new == 1
    first = Article.objects.get(source=source, guid="lw-1")
    if case == "new and updated":
        _corrected(doc)
        expected = (2, 1)
    else:
        Article.objects.filter(id=first.id).update(story=None)  # its placement failed earlier
        doc["body"] = rss([(STORIES[0][0], STORIES[0][1], STORIES[0][2] + " Fares stay as they are.")])
        expected = (0, 1)
    holding, done, errors = threading.Event(), threading.Event(), []

    def merge(cursor) -> None:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])
        holding.set()
        _until(cursor, "advisory")  # the batch waits for the lock...
        cursor.execute("UPDATE stories_article SET changed_at = changed_at WHERE id = %s", [first.id])  # ...then this

    thread = _other(merge, done, errors)
    assert holding.wait(30), errors
    report = refresh(source)
    thread.join(60)
    assert done.is_set() and errors == []  # the editor's side was not rolled back
    assert not [r for r in wiredesk_log if "writing it again" in r.getMessage()]  # nor the batch
    assert (report.status, report.new, report.updated, report.failed_items) == ("ok", *expected, 0)
    assert "Fares stay" in Article.objects.get(id=first.id).body_html
    assert not Article.objects.filter(source=source, story__isnull=True).exists()


def test_a_batch_rolled_back_by_a_deadlock_is_written_again(feed, wiredesk_log):
    """A transaction that locks an article's row and then wants the clustering lock (the
    opposite order: nothing in wiredesk does that, but a raced insert turned update can)
    deadlocks with the batch. PostgreSQL rolls the batch back; it is written again once the
    other commits, and nothing is lost."""
    _postgres_only()
    source, doc = feed
    assert refresh(source).new == 1
    first = Article.objects.get(source=source, guid="lw-1")
    _corrected(doc)
    holding, done, errors = threading.Event(), threading.Event(), []

    def rows_then_lock(cursor) -> None:
        cursor.execute("SET LOCAL deadlock_timeout = '60s'")  # the batch is the one to notice
        cursor.execute("UPDATE stories_article SET changed_at = changed_at WHERE id = %s", [first.id])
        holding.set()
        _until(cursor, "transactionid")  # the batch, holding the lock, waits for the row...
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])  # ...and this for the lock

    thread = _other(rows_then_lock, done, errors)
    assert holding.wait(30), errors
    with connection.cursor() as cursor:  # the batch notices the deadlock; 5 s leave the other time to ask
        cursor.execute("SET deadlock_timeout = '5s'")
    try:
        report = refresh(source)
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET deadlock_timeout")
    thread.join(90)
    assert done.is_set() and errors == []
    assert [r for r in wiredesk_log if "writing it again" in r.getMessage()]  # the deadlock did happen
    assert (report.status, report.new, report.updated, report.failed_items) == ("ok", 2, 1, 0)
    stored = Article.objects.filter(source=source)
    assert stored.count() == 3 and not stored.filter(story__isnull=True).exists()
    assert "Fares stay" in Article.objects.get(id=first.id).body_html

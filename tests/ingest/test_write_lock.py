"""A write batch and the clustering lock, on PostgreSQL (the PostgreSQL pass of `make test`).

Placement serialises every worker on one advisory lock, held until the batch commits
(stories/clusterdb.cluster_lock). A batch therefore upserts its articles and writes their
index rows before it places any of them, so other workers wait only for placements. And
where two transactions deadlock over the lock and an article row, PostgreSQL rolls one back:
that batch is written again and nothing is lost.
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
    lock = next(i for i, s in enumerate(sql) if "pg_advisory_xact_lock" in s)
    inserts = [i for i, s in enumerate(sql) if s.startswith('INSERT INTO "stories_article"')]
    index = [i for i, s in enumerate(sql) if f"INSERT INTO {SearchDocument._meta.db_table} " in s]  # executemany: "3 times: INSERT ..."
    assert len(inserts) == 3 and index, (inserts, index)
    assert max(inserts + index) < lock  # nothing of the upserts or the index waits under the lock
    assert Article.objects.filter(source=source, story__isnull=False).count() == 3


def test_a_batch_rolled_back_by_a_deadlock_is_written_again(feed, caplog):
    """Another transaction holds the clustering lock (an editor's merge, another worker's
    batch) and then wants the row of an article this batch has just updated: a deadlock.
    PostgreSQL rolls the batch back; the batch is written again once the other commits."""
    _postgres_only()
    source, doc = feed
    assert refresh(source).new == 1
    first = Article.objects.get(source=source, guid="lw-1")
    # The first story's text is corrected (an update of a stored article: its row is locked by
    # the batch) and two new stories come (placement: the batch waits for the lock).
    doc["body"] = rss([(STORIES[0][0], STORIES[0][1], STORIES[0][2] + " Fares stay as they are."), *STORIES[1:]])

    holding, finished, errors = threading.Event(), threading.Event(), []

    def other() -> None:
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("SET LOCAL deadlock_timeout = '60s'")  # the batch is the one to notice
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])
                holding.set()
                deadline = time.monotonic() + 30
                while True:  # until the batch waits for the lock
                    cursor.execute("SELECT COUNT(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")
                    if cursor.fetchone()[0]:
                        break
                    if time.monotonic() > deadline:
                        raise AssertionError("the batch never waited for the clustering lock")
                    time.sleep(0.02)
                cursor.execute("UPDATE stories_article SET changed_at = changed_at WHERE id = %s", [first.id])
        except Exception as exc:  # the test's finding, reported below
            errors.append(repr(exc))
        finally:
            finished.set()
            connection.close()

    thread = threading.Thread(target=other)
    thread.start()
    assert holding.wait(30)
    with caplog.at_level(logging.WARNING, logger="wiredesk.ingest"):
        report = refresh(source)
    thread.join(60)
    assert finished.is_set() and errors == []
    assert any("writing it again" in r.getMessage() for r in caplog.records)  # the deadlock did happen
    assert (report.status, report.new, report.updated, report.failed_items) == ("ok", 2, 1, 0)
    stored = Article.objects.filter(source=source)
    assert stored.count() == 3 and not stored.filter(story__isnull=True).exists()
    assert "Fares stay" in Article.objects.get(id=first.id).body_html

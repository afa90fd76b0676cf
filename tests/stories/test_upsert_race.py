"""Two workers storing the same wire item at the same moment leave one article (reliability D2).

Both decided "new" before either stored it (a redelivered refresh racing the original, or two
schedulers): each calls ``article_upsert`` from its own thread and database connection, let
go together. The unique (source, guid) constraint refuses the second insert and that is
taken as "already stored": one article, updated by the other, no error.

On PostgreSQL (the PostgreSQL pass of `make test`). The SQLite pass's test database lives in
shared-cache memory, where a second writer meets a table lock instead of the busy wait of the
file database the platform runs on; the file database's concurrent writers are tested in
tests/core/test_sqlite_concurrency.py, where SQLite's IMMEDIATE transactions serialise them.
"""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection
from django.utils import timezone

from tests.web.factories import _policy, make_source
from wiredesk.ingest.normalize import normalize
from wiredesk.ingest.types import Decision, RawItem
from wiredesk.stories.models import Article
from wiredesk.stories.services import article_upsert

pytestmark = pytest.mark.django_db(transaction=True)


def _item(source, n: int, words: str):
    raw = RawItem(
        guid=f"urn:race:{n}", link=f"https://{source.host}/news/race-{n}", title=f"Ferry berth {n} reopens",
        content_html=f"<p>PORT ELLIS: Ferry berth {n} reopened on Monday {words}.</p>",
        summary_html=f"<p>Ferry berth {n} reopened.</p>", author="", published=timezone.now() - dt.timedelta(minutes=n),
        categories=("world",), images=(), language="en",
    )
    return normalize(raw, policy=_policy(source), now=timezone.now())


@pytest.mark.parametrize("round_", range(5))
def test_two_workers_storing_one_item_at_once_leave_one_article(round_):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need the PostgreSQL pass (see the module's docstring)")
    source = make_source(f"Race Wire {round_}")
    items = [_item(source, round_, "after the storm repairs"), _item(source, round_, "after repairs to the storm damage")]
    start = threading.Barrier(2)
    outcomes, errors = [], []

    def worker(item):
        try:
            start.wait(timeout=10)
            article, action = article_upsert(item=item, source_id=source.id, decision=Decision(action="new"))
            outcomes.append((article.id, action))
        except Exception as exc:  # the test's finding, reported below
            errors.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(item,)) for item in items]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    assert Article.objects.filter(source=source).count() == 1
    (id_a, action_a), (id_b, action_b) = outcomes
    assert id_a == id_b and sorted([action_a, action_b]) == ["new", "updated"]
    assert Article.objects.get(source=source).revision >= 1

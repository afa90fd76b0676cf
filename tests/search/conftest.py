"""Brands, sources and articles for the search tests (indexed the way ingest indexes them)."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from django.db import connection

from wiredesk.brands.models import Brand, BrandSource
from wiredesk.search.backends import backend_for
from wiredesk.search.documents import indexed_title
from wiredesk.search.drift import search_index_drift
from wiredesk.search.services import search_index_update
from wiredesk.sources.models import Source
from wiredesk.stories.models import Article
from wiredesk.text.fingerprint import sha256_hex

BASE = dt.datetime(2026, 11, 19, 8, 0, tzinfo=dt.timezone.utc)
_seq = itertools.count(1)


def index_rows() -> list[tuple[int, str]]:
    """Every row of the search index as (article id, title), read from the engine's own table."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT i.id, i.title FROM ({backend_for(connection).rows_sql()}) i ORDER BY i.id")
        return [(int(a), t) for a, t in cursor.fetchall()]


def assert_indexed_once() -> None:
    """Every stored article is in the search index exactly once, under its own title, and the
    index holds nothing else (nor does search_reindex --check find drift)."""
    rows = index_rows()
    ids = [a for a, _ in rows]
    assert len(ids) == len(set(ids)), f"articles indexed twice: {sorted(a for a in ids if ids.count(a) > 1)}"
    titles = {a.id: indexed_title(a.title) for a in Article.objects.only("id", "title")}
    assert dict(rows) == titles
    assert not search_index_drift()


def make_source(name: str = "Quayside Ledger", **extra) -> Source:
    n = next(_seq)
    fields = {"name": f"{name} {n}", "credit": name, "feed_url": f"https://wire{n}.example/feed.xml"}
    fields.update(extra)
    return Source.objects.create(**fields)


def make_brand(*sources: Source, hosts=("testserver",), **extra) -> Brand:
    brand = Brand.objects.create(name=extra.pop("name", "Harbour Times"), hosts=list(hosts),
                                 time_zone=extra.pop("time_zone", "Australia/Sydney"), **extra)
    for source in sources:
        BrandSource.objects.create(brand=brand, source=source)
    return brand


def make_article(source: Source, title: str, body: str = "", *, published: dt.datetime = BASE, section: str = "world",
                 duplicate_of: Article | None = None, body_html: str | None = None, index: bool = True) -> Article:
    n = next(_seq)
    article = Article.objects.create(
        source=source, guid=f"g-{n}", guid_key=sha256_hex(f"g-{n}"), slug=f"story-{n}", title=title,
        body_html=body_html if body_html is not None else "".join(f"<p>{p}</p>" for p in body.split("\n") if p),
        lead_text=body[:200], published_at=published, section=section,
        fingerprint=sha256_hex(f"f-{n}"), raw_hash=sha256_hex(f"r-{n}"), duplicate_of=duplicate_of,
    )
    if index:
        search_index_update(article_ids=[article.id])
    return article


@pytest.fixture
def source(db) -> Source:
    return make_source()


@pytest.fixture
def brand(source) -> Brand:
    return make_brand()  # lists no sources: shows every source's stories

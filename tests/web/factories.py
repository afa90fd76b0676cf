"""Brands, sources and stored articles for the reader-site tests, made through the real pipeline.

Articles go through ``normalize`` (sanitize, lead parsing, READ MORE and credit tag) and
``article_upsert``, the same path wire copy takes, so the pages render what ingest stores.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re

from django.utils import timezone

from wiredesk.brands.models import Brand, BrandSource
from wiredesk.ingest.normalize import normalize
from wiredesk.ingest.types import Decision, Image, RawItem, SourcePolicy
from wiredesk.sources.models import Source
from wiredesk.stories.models import Article
from wiredesk.stories.services import article_upsert

UTC = dt.timezone.utc
_seq = itertools.count(1)



def make_source(name: str = "Harbour Wire", *, credit: str | None = None, **fields) -> Source:
    n = next(_seq)
    return Source.objects.create(
        name=name, credit=credit if credit is not None else name, feed_url=f"https://wire{n}.example/feed.xml",
        home_url=f"https://wire{n}.example/", **fields,
    )


def make_brand(name: str, hosts: list[str], *, time_zone: str = "UTC", sources=(), weights=None, **fields) -> Brand:
    brand = Brand.objects.create(name=name, hosts=hosts, time_zone=time_zone, **fields)
    for source in sources:
        BrandSource.objects.create(brand=brand, source=source, weight=(weights or {}).get(source, 1.0))
    return brand


def _policy(source: Source) -> SourcePolicy:
    return SourcePolicy(
        credit=source.credit, home_url=source.home_url, full_text=source.licence == Source.Licence.FULL_TEXT,
        section_map=dict(source.section_map), default_section=source.default_section, language=source.language or None,
    )


def store(
    source: Source,
    title: str,
    *,
    body: str | None = None,
    section: str = "world",
    published: dt.datetime | None = None,
    author: str = "",
    images: tuple[Image, ...] = (),
    duplicate_of: Article | None = None,
    link: str | None = None,
) -> Article:
    """Normalize and store one wire item; returns the stored article."""
    n = next(_seq)
    slug_words = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:40] or "story"
    raw = RawItem(
        guid=f"urn:test:{n}",
        link=link if link is not None else f"https://{source.host}/news/{n}-{slug_words}",
        title=title,
        content_html=body if body is not None else f"<p>{title}. The story continues with more words here.</p>",
        summary_html=body if body is not None else f"<p>{title}.</p>",
        author=author,
        published=published or timezone.now() - dt.timedelta(minutes=n),
        categories=(section,),
        images=images,
        language="en",
    )
    item = normalize(raw, policy=_policy(source), now=timezone.now())
    decision = Decision(action="new", duplicate_of_id=duplicate_of.id if duplicate_of else None)
    article, action = article_upsert(item=item, source_id=source.id, decision=decision)
    assert action == "new"
    return article


def words(n: int, word: str = "harbour") -> str:
    return " ".join(f"{word}{i}" for i in range(n))


def get(client, path: str, host: str, **extra):
    return client.get(path, HTTP_HOST=host, **extra)

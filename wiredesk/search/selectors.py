"""Reads of the search index: one page of matches among the articles a brand shows."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Q
from django.utils.safestring import SafeString

from wiredesk.search.backends import backend_for
from wiredesk.search.documents import marked_html
from wiredesk.search.query import ParsedQuery, parse_query
from wiredesk.sources.models import Source
from wiredesk.stories.models import Article
from wiredesk.stories.places import in_section_q
from wiredesk.stories.selectors import articles_carried, carried_sources, preferred_members

ORDERS = ("relevance", "newest")
MAX_PER_PAGE = 100


@dataclass(frozen=True)
class SearchHit:
    article: Article
    title_html: SafeString  # escaped, with <mark> around matches
    snippet_html: SafeString  # escaped, with <mark> around matches; may be empty


@dataclass(frozen=True)
class SearchPage:
    query: str
    parsed: ParsedQuery
    every_report: bool = False
    total: int = 0
    page: int = 1
    per_page: int = 20
    hits: list[SearchHit] = field(default_factory=list)

    @property
    def num_pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.num_pages

    @property
    def previous_page_number(self) -> int:
        return self.page - 1

    @property
    def next_page_number(self) -> int:
        return self.page + 1

    @property
    def start_index(self) -> int:
        return (self.page - 1) * self.per_page + 1 if self.total else 0


def _day_start(value: dt.date | dt.datetime, tz) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=tz)
    return dt.datetime(value.year, value.month, value.day, tzinfo=tz)


def _filters(*, brand, section: str | None, source_id: int | None, date_from, date_to) -> Q:
    """The search's filters as one condition: section, source, and days in the brand's zone."""
    wanted = Q()
    if section:
        wanted &= in_section_q(brand, section)
    if source_id is not None:
        wanted &= Q(source_id=source_id)
    if date_from is not None:
        wanted &= Q(published_at__gte=_day_start(date_from, brand.tz))
    if date_to is not None:
        end = _day_start(date_to, brand.tz)
        if not isinstance(date_to, dt.datetime):
            end = _day_start(date_to + dt.timedelta(days=1), brand.tz)
        wanted &= Q(published_at__lt=end)
    return wanted


def search_articles(
    *,
    brand,
    query: str,
    section: str | None = None,
    source_id: int | None = None,
    date_from: dt.date | dt.datetime | None = None,
    date_to: dt.date | dt.datetime | None = None,
    order: str = "relevance",
    page: int = 1,
    per_page: int = 20,
    every_report: bool = False,
) -> SearchPage:
    """Articles the brand shows matching ``query``, newest or most relevant first.

    Dates are days in the brand's time zone, both ends included (aware datetimes are taken
    as they are, ``date_to`` then exclusive). A page past the end gives the last page. The
    number of SQL queries does not depend on the page size.

    One result per story: of a story's members that match (and pass the filters), the one the
    brand prefers (stories.selectors.preferred_members). ``every_report`` lists every matching
    member instead.
    """
    if order not in ORDERS:
        raise ValueError(f"order must be one of {ORDERS}, not {order!r}")
    per_page = max(1, min(int(per_page), MAX_PER_PAGE))
    parsed = parse_query(query)
    if not parsed:
        return SearchPage(query=query, parsed=parsed, per_page=per_page, every_report=every_report)

    wanted = _filters(brand=brand, section=section, source_id=source_id, date_from=date_from, date_to=date_to)
    backend = backend_for(connection)
    candidates = articles_carried(brand=brand).filter(wanted)
    if not every_report:
        among = wanted & Q(id__in=backend.matching_ids(parsed))
        candidates = preferred_members(qs=candidates, brand=brand, among=among)
    total = backend.count(candidates=candidates, query=parsed)
    result = SearchPage(query=query, parsed=parsed, total=total, per_page=per_page, every_report=every_report)
    page = max(1, min(int(page), result.num_pages))
    if not total:
        return result
    raw = backend.page(candidates=candidates, query=parsed, order=order, offset=(page - 1) * per_page, limit=per_page)
    articles = Article.objects.select_related("source").in_bulk([h.article_id for h in raw])
    hits = [
        SearchHit(article=articles[h.article_id], title_html=marked_html(h.title), snippet_html=marked_html(h.snippet))
        for h in raw
        if h.article_id in articles
    ]
    return SearchPage(query=query, parsed=parsed, total=total, page=page, per_page=per_page, hits=hits,
                      every_report=every_report)


def search_sources(*, brand) -> list[Source]:
    """The sources a brand's search can be narrowed to: the ones it carries."""
    return list(carried_sources(brand=brand).order_by("credit", "id"))

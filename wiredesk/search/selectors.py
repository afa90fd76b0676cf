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
# A search lists at most MAX_HITS results (and says when there are more): counting or paging
# every match of a word in every article would cost time in proportion to the archive.
MAX_HITS = 500
# "relevance" ranks the newest RANKED matches; older ones follow, newest first. Ranking reads
# each candidate's whole index row, so the window bounds what a search costs (bench/scale.py).
RANKED = 100


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
    total: int = 0  # at most MAX_HITS
    more: bool = False  # more than MAX_HITS matched
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

    At most MAX_HITS results are counted and listed (``more`` says when there were more: the
    reader narrows the search). "relevance" orders the newest RANKED matches best first, then
    lists the older ones newest first: on a large archive a word in every story would otherwise
    be ranked in every story, and news readers want the recent match first anyway.
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
        candidates = preferred_members(qs=candidates, brand=brand, among=wanted & backend.matches_q(parsed))
    counted = backend.count(candidates=candidates, query=parsed, cap=MAX_HITS + 1)
    total = min(counted, MAX_HITS)
    result = SearchPage(query=query, parsed=parsed, total=total, more=counted > MAX_HITS, per_page=per_page,
                        every_report=every_report)
    page = max(1, min(int(page), result.num_pages))
    if not total:
        return result
    offset = (page - 1) * per_page
    stop = min(total, offset + per_page)
    kw = {"candidates": candidates, "query": parsed, "few": not result.more}
    if order == "relevance" and offset < RANKED:
        # The newest RANKED matches in order of relevance (the sort is stable: newest first
        # among equals), then the older ones newest first.
        window = backend.newest(**kw, offset=0, limit=min(RANKED, total), scored=True)
        ids = [i for i, _ in sorted(window, key=lambda hit: -hit[1])][offset:stop]
        if stop > RANKED:
            ids += [i for i, _ in backend.newest(**kw, offset=RANKED, limit=stop - RANKED)]
    else:
        ids = [i for i, _ in backend.newest(**kw, offset=offset, limit=stop - offset)]
    marks = backend.marks(article_ids=ids, query=parsed)
    articles = Article.objects.select_related("source").in_bulk(ids)
    hits = [
        SearchHit(article=articles[i], title_html=marked_html(marks[i].title), snippet_html=marked_html(marks[i].snippet))
        for i in ids
        if i in articles and i in marks
    ]
    return SearchPage(query=query, parsed=parsed, total=total, more=result.more, page=page, per_page=per_page,
                      hits=hits, every_report=every_report)


def search_sources(*, brand) -> list[Source]:
    """The sources a brand's search can be narrowed to: the ones it carries."""
    return list(carried_sources(brand=brand).order_by("credit", "id"))

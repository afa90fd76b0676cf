"""Reads of the dated archive: which months and days of a brand's calendar have stories.

Months and days are the brand's own (its time zone). Nothing here groups or counts the
stories: each answer is the first story at or after an instant (or the last before one), a
read of the publication-time index that stops at its first row; the months of a site are
found by jumping from a story to the start of the next month that has one, so a site's
archive costs one such read per month that has stories, however many stories it holds.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from zoneinfo import ZoneInfo

from django.core.cache import cache

from wiredesk.brands.selectors import linked_sources
from wiredesk.stories.places import home_place_slugs
from wiredesk.stories.selectors import articles_visible

MONTHS_TTL = 3600  # the months before this one are kept an hour (a late backfill shows then)


def month_start(year: int, month: int, tz: ZoneInfo) -> dt.datetime:
    """The first instant of a month of the brand's calendar (ValueError for no such month)."""
    return dt.datetime(year, month, 1, tzinfo=tz)


def next_month(start: dt.datetime) -> dt.datetime:
    year, month = (start.year + 1, 1) if start.month == 12 else (start.year, start.month + 1)
    return start.replace(year=year, month=month, day=1)


def _first_at_or_after(brand, instant: dt.datetime | None, before: dt.datetime | None = None) -> dt.datetime | None:
    qs = articles_visible(brand=brand).prefetch_related(None)
    if instant is not None:
        qs = qs.filter(published_at__gte=instant)
    if before is not None:
        qs = qs.filter(published_at__lt=before)
    return qs.order_by("published_at", "id").values_list("published_at", flat=True).first()


def last_before(brand, instant: dt.datetime) -> dt.datetime | None:
    """When the brand's newest story published before ``instant`` was, if any."""
    qs = articles_visible(brand=brand).prefetch_related(None).filter(published_at__lt=instant)
    return qs.order_by("-published_at", "-id").values_list("published_at", flat=True).first()


def first_at_or_after(brand, instant: dt.datetime) -> dt.datetime | None:
    """When the brand's oldest story published at or after ``instant`` was, if any."""
    return _first_at_or_after(brand, instant)


def has_stories(brand, start: dt.datetime, end: dt.datetime) -> bool:
    return _first_at_or_after(brand, start, end) is not None


def _months_from(brand, start: dt.datetime | None, end: dt.datetime | None) -> list[tuple[int, int]]:
    """(year, month) of the brand's months with stories, from ``start`` (None: the first story)
    up to ``end`` (exclusive; None: the newest)."""
    tz = brand.tz
    found: list[tuple[int, int]] = []
    at = _first_at_or_after(brand, start, end)
    while at is not None:
        local = at.astimezone(tz)
        found.append((local.year, local.month))
        if local.year >= 9999:  # stories are never dated after their fetch: no month to go on to
            break
        at = _first_at_or_after(brand, next_month(month_start(local.year, local.month, tz)), end)
    return found


def _brand_key(brand) -> str:
    """What decides which stories the brand shows: its sources, sections and home place."""
    wires, releases = linked_sources(brand)
    rule = repr((sorted(wires), sorted(releases), list(brand.sections), sorted(home_place_slugs(brand)), brand.time_zone))
    return hashlib.sha256(rule.encode()).hexdigest()[:16]


def months_with_stories(brand, *, now: dt.datetime) -> list[tuple[int, int]]:
    """(year, month) of every month of the brand's calendar that has a story, oldest first.

    The months before the current one change only when an old story arrives late, so they
    are kept for MONTHS_TTL per brand rule; the current month is looked at every time.
    """
    local_now = now.astimezone(brand.tz)
    this_month = month_start(local_now.year, local_now.month, brand.tz)
    key = f"archive-months:{brand.id}:{_brand_key(brand)}:{local_now.year}-{local_now.month}"
    past = cache.get(key)
    if past is None:
        past = _months_from(brand, None, this_month)
        cache.set(key, past, MONTHS_TTL)
    return [*past, *_months_from(brand, this_month, None)]


def days_with_stories(brand, start: dt.datetime, end: dt.datetime) -> list[dt.date]:
    """The days of the brand's calendar between two local midnights that have a story."""
    tz = brand.tz
    days: list[dt.date] = []
    at = _first_at_or_after(brand, start, end)
    while at is not None:
        day = at.astimezone(tz).date()
        days.append(day)
        following = dt.datetime(day.year, day.month, day.day, tzinfo=tz) + dt.timedelta(days=1)
        at = _first_at_or_after(brand, following, end) if following < end else None
    return days

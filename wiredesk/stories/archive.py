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


class BrandCalendar:
    """The brand's stories along its calendar; the brand's rule is stated once per page."""

    def __init__(self, brand) -> None:
        self.brand = brand
        self.tz = brand.tz
        self.visible = articles_visible(brand=brand).prefetch_related(None)

    def first_at_or_after(self, instant: dt.datetime | None, before: dt.datetime | None = None) -> dt.datetime | None:
        """When the brand's oldest story at or after ``instant`` (and before ``before``) was published."""
        qs = self.visible
        if instant is not None:
            qs = qs.filter(published_at__gte=instant)
        if before is not None:
            qs = qs.filter(published_at__lt=before)
        return qs.order_by("published_at", "id").values_list("published_at", flat=True).first()

    def last_before(self, instant: dt.datetime) -> dt.datetime | None:
        """When the brand's newest story published before ``instant`` was, if any."""
        qs = self.visible.filter(published_at__lt=instant)
        return qs.order_by("-published_at", "-id").values_list("published_at", flat=True).first()

    def _months_from(self, start: dt.datetime | None, end: dt.datetime | None) -> list[tuple[int, int]]:
        """(year, month) of the months with stories from ``start`` (None: the first story) up to
        ``end`` (exclusive; None: the newest)."""
        found: list[tuple[int, int]] = []
        at = self.first_at_or_after(start, end)
        while at is not None:
            local = at.astimezone(self.tz)
            found.append((local.year, local.month))
            if local.year >= 9999:  # stories are never dated after their fetch: no month to go on to
                break
            at = self.first_at_or_after(next_month(month_start(local.year, local.month, self.tz)), end)
        return found

    def months(self, *, now: dt.datetime) -> list[tuple[int, int]]:
        """(year, month) of every month of the brand's calendar that has a story, oldest first.

        The months before the current one change only when an old story arrives late, so they
        are kept for MONTHS_TTL per brand rule; the current month is looked at every time.
        """
        local_now = now.astimezone(self.tz)
        this_month = month_start(local_now.year, local_now.month, self.tz)
        key = f"archive-months:{self.brand.id}:{_brand_key(self.brand)}:{local_now.year}-{local_now.month}"
        past = cache.get(key)
        if past is None:
            past = self._months_from(None, this_month)
            cache.set(key, past, MONTHS_TTL)
        return [*past, *self._months_from(this_month, None)]

    def days(self, start: dt.datetime, end: dt.datetime) -> list[dt.date]:
        """The days of the brand's calendar between two local midnights that have a story."""
        days: list[dt.date] = []
        at = self.first_at_or_after(start, end)
        while at is not None:
            day = at.astimezone(self.tz).date()
            days.append(day)
            following = dt.datetime(day.year, day.month, day.day, tzinfo=self.tz) + dt.timedelta(days=1)
            at = self.first_at_or_after(following, end) if following < end else None
        return days


def _brand_key(brand) -> str:
    """What decides which stories the brand shows: its sources, sections and home place."""
    wires, releases = linked_sources(brand=brand)
    rule = repr((sorted(wires), sorted(releases), list(brand.sections), sorted(home_place_slugs(brand)), brand.time_zone))
    return hashlib.sha256(rule.encode()).hexdigest()[:16]

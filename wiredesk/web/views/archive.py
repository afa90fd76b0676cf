"""The dated archive: the months that have stories, and each month and day of the brand's calendar.

An archive page exists when it has stories: a day or month before the first story, in the
future, or without a story answers 404 like an impossible date, so no empty page is indexed
and every archive link on the site leads somewhere. Previous and next links skip to the
nearest day or month that has stories.
"""

from __future__ import annotations

import datetime as dt

from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from wiredesk.stories.archive import BrandCalendar, month_start, next_month
from wiredesk.text.dates import MIN_YEAR
from wiredesk.web.caching import cached_page
from wiredesk.web.views.fronts import list_page

MONTH_NAMES = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
               "October", "November", "December")


def _checked(year: int, month: int, day: int = 1) -> dt.date:
    """The date asked for, or 404: nothing is dated before MIN_YEAR, and 9999 would overflow."""
    if not MIN_YEAR <= year <= 9998:
        raise Http404("No such date.")
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise Http404("No such date.") from None


def month_link(year: int, month: int) -> dict:
    return {"year": year, "month": month, "name": f"{MONTH_NAMES[month - 1]} {year}",
            "url": reverse("archive-month", args=[year, month])}


def day_link(day: dt.date) -> dict:
    return {"date": day, "name": f"{day:%A} {day.day} {MONTH_NAMES[day.month - 1]} {day.year}",
            "url": reverse("archive-day", args=[day.year, day.month, day.day])}


def _month_of(instant: dt.datetime | None, tz) -> dict | None:
    if instant is None:
        return None
    local = instant.astimezone(tz)
    return month_link(local.year, local.month)


def _day_of(instant: dt.datetime | None, tz) -> dict | None:
    return None if instant is None else day_link(instant.astimezone(tz).date())


@cached_page
def archive_index(request):
    brand = request.brand
    years: dict[int, list[dict]] = {}
    for year, month in BrandCalendar(brand).months(now=timezone.now()):
        years.setdefault(year, []).append(month_link(year, month))
    context = {"years": sorted(years.items(), reverse=True)}  # the newest year first, its months in order
    return render(request, "web/archive.html", context)


@cached_page
def archive_month(request, year: int, month: int):
    brand = request.brand
    _checked(year, month)
    start = month_start(year, month, brand.tz)
    end = next_month(start)
    calendar = BrandCalendar(brand)
    days = calendar.days(start, end)
    if not days:
        raise Http404("No stories in that month.")
    qs = calendar.visible.prefetch_related("source").filter(published_at__gte=start, published_at__lt=end)
    nav = {
        "days": [day_link(day) for day in days],
        "previous": _month_of(calendar.last_before(start), brand.tz),
        "next": _month_of(calendar.first_at_or_after(end), brand.tz),
        "up": {"name": "Archive", "url": reverse("archive")},
    }
    return list_page(request, qs, title=month_link(year, month)["name"], kind="archive", extra=nav)


@cached_page
def archive_day(request, year: int, month: int, day: int):
    brand = request.brand
    date = _checked(year, month, day)
    start = dt.datetime(date.year, date.month, date.day, tzinfo=brand.tz)
    end = start + dt.timedelta(days=1)  # wall-clock arithmetic: the next local midnight
    calendar = BrandCalendar(brand)
    qs = calendar.visible.prefetch_related("source").filter(published_at__gte=start, published_at__lt=end)
    nav = {
        "previous": _day_of(calendar.last_before(start), brand.tz),
        "next": _day_of(calendar.first_at_or_after(end), brand.tz),
        "up": month_link(date.year, date.month),
    }
    return list_page(request, qs, title=day_link(date)["name"], kind="archive", extra=nav, empty_is_missing=True)

"""Reads of sources: what is due, and the health table."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Q

from wiredesk.sources.models import Source, SourceAlert, SourceDay


def source_find(*, ref: str) -> Source | None:
    """A source by id, exact feed URL or name (case-insensitive)."""
    if ref.isdigit():
        return Source.objects.filter(id=int(ref)).first()
    return (
        Source.objects.filter(feed_url=ref).first()
        or Source.objects.filter(name__iexact=ref).first()
    )


@dataclass(frozen=True)
class Health:
    source: Source
    articles: int
    items_per_day: float
    status: str


def sources_health(*, now: dt.datetime, error_limit: int, days: int = 7) -> list[Health]:
    """One row per source for the CLI and admin health table."""
    since = now - dt.timedelta(days=days)
    rows = Source.objects.annotate(
        n_articles=Count("articles"),
        n_recent=Count("articles", filter=Q(articles__first_seen_at__gte=since)),
    ).order_by("name")
    return [
        Health(
            source=s,
            articles=s.n_articles,
            items_per_day=round(s.n_recent / days, 1),
            status=source_status(source=s, error_limit=error_limit),
        )
        for s in rows
    ]


def source_status(*, source: Source, error_limit: int) -> str:
    """ok / failing / broken / paused / new, for people."""
    if not source.enabled:
        return "paused"
    if source.consecutive_errors >= error_limit:
        return "broken"
    if source.consecutive_errors:
        return "failing"
    if source.last_success_at is None:
        return "new"
    return "ok"


@dataclass(frozen=True)
class Day:
    day: dt.date
    checks: int = 0
    errors: int = 0
    new_items: int = 0
    mean_seconds: float | None = None


def source_days(*, source_ids: list[int], today: dt.date, days: int = 30) -> dict[int, list[Day]]:
    """Each source's last ``days`` days (oldest first, ending today), a zero Day where it had none."""
    first = today - dt.timedelta(days=days - 1)
    rows: dict[int, dict[dt.date, Day]] = {source_id: {} for source_id in source_ids}
    for row in SourceDay.objects.filter(source_id__in=source_ids, day__gte=first, day__lte=today):
        rows[row.source_id][row.day] = Day(day=row.day, checks=row.checks, errors=row.errors,
                                           new_items=row.new_items, mean_seconds=row.mean_seconds)
    span = [first + dt.timedelta(days=n) for n in range(days)]
    return {source_id: [by_day.get(d) or Day(day=d) for d in span] for source_id, by_day in rows.items()}


def alerts_open() -> list[SourceAlert]:
    return list(SourceAlert.objects.filter(cleared_at__isnull=True).select_related("source").order_by("-raised_at"))

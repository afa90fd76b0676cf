"""Writes of sources: OPML import, pause and resume, the daily health figures (adding by URL is
ingest.subscribe, alerts are sources.alerts)."""

from __future__ import annotations

from urllib.parse import urlsplit

import datetime as dt

from django.db import IntegrityError, transaction
from django.db.models import F, FloatField, Value
from django.db.models.functions import Greatest

from wiredesk.core.sections import SECTIONS
from wiredesk.sources.models import Source, SourceDay
from wiredesk.sources.opml import Outline
from wiredesk.text.urls import is_http_url


def _credit_from(title: str, url: str) -> str:
    return (title or urlsplit(url).hostname or "source")[:120]


def sources_import(*, outlines: list[Outline]) -> tuple[list[Source], list[str]]:
    """Create a source per outline not yet known; return the created ones and skipped URLs."""
    created: list[Source] = []
    skipped: list[str] = []
    with transaction.atomic():
        for o in outlines:
            if not is_http_url(o.feed_url) or Source.objects.filter(feed_url=o.feed_url).exists():
                skipped.append(o.feed_url)
                continue
            created.append(
                Source.objects.create(
                    name=o.title[:200],
                    credit=_credit_from(o.title, o.feed_url),
                    home_url=o.home_url[:2000] if is_http_url(o.home_url) else "",
                    feed_url=o.feed_url,
                    default_section=o.category.strip().lower() if o.category.strip().lower() in SECTIONS else "world",
                )
            )
    return created, skipped


def source_set_enabled(*, source_id: int, enabled: bool, reason: str = "") -> None:
    """Pause or resume a source (resuming clears the error count and polls at once)."""
    changes: dict = {"enabled": enabled, "paused_reason": "" if enabled else reason[:300]}
    if enabled:
        changes.update(consecutive_errors=0, failing_since=None, next_check_at=None, lease_until=None)
    Source.objects.filter(id=source_id).update(**changes)


def source_day_count(*, source_id: int, at: dt.datetime, error: bool = False, not_modified: bool = False,
                     new_items: int = 0, seconds: float | None = None) -> None:
    """Count one refresh in the source's row for the day of ``at`` (UTC).

    One UPDATE with F() expressions (the day's slowest answer too, by Greatest), so refreshes
    of one source on several workers add up;
    the day's first refresh inserts the row (a concurrent first insert loses the race and
    updates instead)."""
    day = at.astimezone(dt.timezone.utc).date()
    changes = {
        "checks": F("checks") + 1,
        "errors": F("errors") + int(error),
        "not_modified": F("not_modified") + int(not_modified),
        "new_items": F("new_items") + max(0, new_items),
    }
    if seconds is not None:
        seconds = max(0.0, float(seconds))
        changes.update(timed=F("timed") + 1, seconds_total=F("seconds_total") + seconds,
                       seconds_max=Greatest(F("seconds_max"), Value(seconds, output_field=FloatField())))
    for _attempt in range(2):
        with transaction.atomic():
            if SourceDay.objects.filter(source_id=source_id, day=day).update(**changes):
                return
        try:
            with transaction.atomic():
                SourceDay.objects.create(
                    source_id=source_id, day=day, checks=1, errors=int(error), not_modified=int(not_modified),
                    new_items=max(0, new_items), timed=int(seconds is not None), seconds_total=seconds or 0.0,
                    seconds_max=seconds or 0.0)
                return
        except IntegrityError:
            continue  # another worker inserted the day's row first: add to it


def source_days_prune(*, before: dt.date) -> int:
    """Forget the daily figures older than the health page shows."""
    return SourceDay.objects.filter(day__lt=before).delete()[0]

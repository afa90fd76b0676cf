"""Writes of sources: OPML import, pause and resume (adding by URL is ingest.subscribe)."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.db import transaction

from wiredesk.core.sections import SECTIONS
from wiredesk.sources.models import Source
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
        changes.update(consecutive_errors=0, next_check_at=None, lease_until=None)
    Source.objects.filter(id=source_id).update(**changes)

"""Reads of stored articles."""

from __future__ import annotations

from typing import Iterable

from wiredesk.stories.dedup import Candidate
from wiredesk.stories.models import Article

_CANDIDATE_FIELDS = ("id", "raw_hash", "fingerprint", "title", "guid_key", "url_key")


def _candidate(row: dict) -> Candidate:
    return Candidate(id=row["id"], raw_hash=row["raw_hash"], fingerprint=row["fingerprint"], title=row["title"])


def _candidates(*, source_id: int, field: str, keys: Iterable[str]) -> dict[str, Candidate]:
    wanted = sorted({k for k in keys if k})
    found: dict[str, Candidate] = {}
    for start in range(0, len(wanted), 500):  # stay under SQLite's variable limit
        rows = (
            Article.objects.filter(source_id=source_id, **{f"{field}__in": wanted[start : start + 500]})
            .order_by("-id")  # the oldest wins when a URL is shared
            .values(*_CANDIDATE_FIELDS)
        )
        found.update({row[field]: _candidate(row) for row in rows})
    return found


def candidates_by_guid(*, source_id: int, guid_keys: Iterable[str]) -> dict[str, Candidate]:
    """Stored articles of a source keyed by the sha256 of their GUID."""
    return _candidates(source_id=source_id, field="guid_key", keys=guid_keys)


def candidates_by_url(*, source_id: int, url_keys: Iterable[str]) -> dict[str, Candidate]:
    """Stored articles of a source keyed by the sha256 of their canonical URL."""
    return _candidates(source_id=source_id, field="url_key", keys=url_keys)


def candidate_same_content(*, source_id: int, fingerprint: str) -> Candidate | None:
    """The first article from another source with identical content, if any."""
    row = (
        Article.objects.filter(fingerprint=fingerprint, duplicate_of__isnull=True)
        .exclude(source_id=source_id)
        .order_by("id")
        .values(*_CANDIDATE_FIELDS)
        .first()
    )
    return _candidate(row) if row else None


def recent_publication_times(*, source_id: int, limit: int = 20) -> list:
    """Publication instants of a source's newest articles (for the polling cadence)."""
    return list(
        Article.objects.filter(source_id=source_id)
        .order_by("-published_at")
        .values_list("published_at", flat=True)[:limit]
    )

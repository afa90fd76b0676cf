"""Reads of stored articles."""

from __future__ import annotations

from typing import Iterable

from wiredesk.stories.dedup import Candidate
from wiredesk.stories.models import Article

_CANDIDATE_FIELDS = ("id", "raw_hash", "fingerprint", "title", "guid_key", "url_key")


def _candidate(row: dict) -> Candidate:
    return Candidate(id=row["id"], raw_hash=row["raw_hash"], fingerprint=row["fingerprint"], title=row["title"])


def candidates_by_guid(*, source_id: int, guid_keys: Iterable[str]) -> dict[str, Candidate]:
    """Stored articles of a source keyed by the sha256 of their GUID."""
    keys = list(set(guid_keys))
    found: dict[str, Candidate] = {}
    for start in range(0, len(keys), 500):  # stay under SQLite's variable limit
        rows = Article.objects.filter(source_id=source_id, guid_key__in=keys[start : start + 500]).values(
            *_CANDIDATE_FIELDS
        )
        found.update({row["guid_key"]: _candidate(row) for row in rows})
    return found


def candidate_by_url(*, source_id: int, url_key: str) -> Candidate | None:
    """The stored article of a source with this canonical URL, if any."""
    if not url_key:
        return None
    row = (
        Article.objects.filter(source_id=source_id, url_key=url_key)
        .order_by("id")
        .values(*_CANDIDATE_FIELDS)
        .first()
    )
    return _candidate(row) if row else None


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

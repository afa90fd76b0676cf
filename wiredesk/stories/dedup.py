"""Dedup decisions: pure functions over a normalized item and the stored candidates.

Within a source an item is the same story when its GUID matches, or else when its
canonical URL matches (feeds that change the GUID on every edit). Across sources an item
whose content fingerprint equals an already stored article is linked to it
(``duplicate_of``) instead of being published twice. Near-duplicate clustering of the same
event written differently by several wires is a later stage: it fills ``Decision.story_id``
from ``story_candidates_near`` without changing these rules.
"""

from __future__ import annotations

from dataclasses import dataclass

from wiredesk.ingest.types import Decision, NormalizedItem


@dataclass(frozen=True)
class Candidate:
    """What dedup needs to know about a stored article."""

    id: int
    raw_hash: str
    fingerprint: str
    title: str


def classify(
    item: NormalizedItem,
    *,
    by_guid: Candidate | None,
    by_url: Candidate | None,
    same_content: Candidate | None,
) -> Decision:
    """Decide whether an item is new, an edit of a stored article, or unchanged."""
    existing = by_guid or by_url
    if existing is not None:
        if existing.raw_hash == item.raw_hash or (
            existing.fingerprint == item.fingerprint and existing.title == item.title
        ):
            return Decision(action="unchanged", article_id=existing.id)
        return Decision(action="update", article_id=existing.id)
    return Decision(
        action="new",
        duplicate_of_id=same_content.id if same_content is not None else None,
    )

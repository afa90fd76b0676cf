"""Dedup decisions: pure functions over a normalized item and the stored candidates.

Within a source an item is the same story when its GUID matches, or else when its
canonical URL matches an article whose own GUID has left the feed (feeds that change the GUID
on every edit): items of one document with distinct GUIDs are distinct stories, even when they
share a link, so URL matching never merges two items that are both still listed. Across sources an item
whose content fingerprint equals an already stored article is linked to it
(``duplicate_of``) instead of being published twice. Near-duplicate clustering of the same
event written differently by several wires is a later stage: it fills ``Decision.story_id``
from ``story_candidates_near`` without changing these rules.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Collection, Sequence

from wiredesk.stories.types import Decision, NormalizedItem


@dataclass(frozen=True)
class Candidate:
    """What dedup needs to know about a stored article."""

    id: int
    raw_hash: str
    fingerprint: str
    title: str
    guid_key: str = ""  # sha256 of the article's GUID


def url_match(candidates: Sequence[Candidate], *, guid_keys: Collection[str], taken: Collection[int]) -> Candidate | None:
    """The stored article a newly seen GUID takes over by its link, if any.

    Only an article whose own GUID is no longer in the document qualifies (its GUID changed
    between fetches), and only one not already taken by another item of the same document;
    the oldest such article wins. ``candidates`` are the articles sharing the item's
    canonical link, oldest first.
    """
    for candidate in candidates:
        if candidate.guid_key not in guid_keys and candidate.id not in taken:
            return candidate
    return None


def classify(
    item: NormalizedItem,
    *,
    by_guid: Candidate | None,
    by_url: Candidate | None,
    same_content: Candidate | None,
) -> Decision:
    """Decide whether an item is new, an edit of a stored article, or unchanged."""
    if by_guid is not None:
        if by_guid.raw_hash == item.raw_hash or (
            by_guid.fingerprint == item.fingerprint and by_guid.title == item.title
        ):
            return Decision(action="unchanged", article_id=by_guid.id)
        return Decision(action="update", article_id=by_guid.id)
    if by_url is not None:
        # The story's GUID changed: stored under the new one even when the text did not, or
        # every later fetch would find the GUID unknown and match by URL again.
        return Decision(action="update", article_id=by_url.id)
    return Decision(
        action="new",
        duplicate_of_id=same_content.id if same_content is not None else None,
    )

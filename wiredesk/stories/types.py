"""What the ingest pipeline hands to the article store: a normalized item, its images, and what
dedup decided for it.

These sit with the stored articles so that ``stories`` never imports the pipeline above it
(ingest names them too, in wiredesk.ingest.types). Nothing here imports Django.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

from wiredesk.text.records import Lead, RelatedLink

__all__ = ["Decision", "Image", "NormalizedItem"]


@dataclass(frozen=True)
class Image:
    """An image of a story with the caption, credit and text alternative the source gave it."""

    url: str
    caption: str = ""
    credit: str = ""
    alt: str = ""  # what the picture shows, for readers who cannot see it; "" when not given


@dataclass(frozen=True)
class NormalizedItem:
    """A story ready to be stored: sanitized, canonical, dated in UTC."""

    guid: str
    canonical_url: str
    title: str  # plain text
    body_html: str  # sanitized HTML, without the READ MORE lines and the trailing credit tag
    lead_text: str  # plain-text opening of the story (lead included), for teasers
    author: str
    published: dt.datetime  # aware UTC, never after the fetch time
    updated: dt.datetime | None
    lead: Lead
    credit_tag: str  # trailing "(RT.com)" tag found in the body, without parentheses
    related: tuple[RelatedLink, ...]
    section: str
    language: str
    images: tuple[Image, ...]
    fingerprint: str  # hash of the normalized text: equal for identical content
    raw_hash: str
    excerpt_only: bool = False
    notes: tuple[str, ...] = ()  # e.g. "extraction failed: ...; kept the feed's content"
    text: str = ""  # plain text of body_html (what the search index holds), worked out once
    editor_notes: str = ""  # the wire's notes lifted out of the body and title ("Corrects ...")
    copy_signature: bytes = b""  # MinHash of the body's shingles (text.copies); b"" when too short


@dataclass(frozen=True)
class Decision:
    """What dedup decided for one normalized item."""

    action: Literal["new", "update", "unchanged"]
    article_id: int | None = None  # the existing article for update/unchanged
    duplicate_of_id: int | None = None  # identical content already stored from another source
    # Near-duplicate story clustering (a later stage) fills this in; None until then.
    story_id: int | None = None

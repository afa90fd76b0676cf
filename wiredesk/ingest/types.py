"""Frozen dataclasses passed between the pipeline stages.

fetch -> FetchResult -> parse -> ParsedFeed(RawItem...) -> [extract -> Extracted]
      -> normalize(RawItem, SourcePolicy, now) -> NormalizedItem -> classify -> Decision -> store

Nothing here imports Django: the stages in the middle are pure functions over these types.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Literal

from wiredesk.text.records import Lead, RelatedLink

__all__ = [
    "Decision", "Extracted", "Image", "Lead", "NormalizedItem", "ParsedFeed", "RawItem",
    "RelatedLink", "SourcePolicy",
]


@dataclass(frozen=True)
class Image:
    """An image of a story with the caption, credit and text alternative the source gave it."""

    url: str
    caption: str = ""
    credit: str = ""
    alt: str = ""  # what the picture shows, for readers who cannot see it; "" when not given


@dataclass(frozen=True)
class RawItem:
    """One entry of a feed as the source wrote it (markup not yet sanitized)."""

    guid: str | None
    link: str | None
    title: str
    content_html: str = ""  # the full body, when the feed carries one
    summary_html: str = ""  # the summary or description
    author: str = ""
    published: dt.datetime | None = None  # aware, any zone; None when missing or unparseable
    updated: dt.datetime | None = None
    categories: tuple[str, ...] = ()
    images: tuple[Image, ...] = ()
    language: str | None = None
    base_url: str | None = None  # xml:base or the feed URL, for resolving relative links
    raw_hash: str = ""  # sha256 of the item as received (provenance)


@dataclass(frozen=True)
class ParsedFeed:
    """What the parse stage found in a feed document."""

    format: str  # "rss", "atom", "rdf", "jsonfeed"
    title: str
    home_url: str | None
    language: str | None
    items: tuple[RawItem, ...]
    ttl_seconds: int | None = None  # RSS <ttl> or sy:updatePeriod, a hint for the scheduler
    warnings: tuple[str, ...] = ()  # recoverable problems (feedparser "bozo" reasons etc.)
    withdrawn: tuple[str, ...] = ()  # GUIDs the feed marks deleted (Atom tombstones, RFC 6721)


@dataclass(frozen=True)
class Extracted:
    """Main text pulled out of an article page."""

    title: str
    html: str  # body markup (paragraphs, links, figures), not yet sanitized
    text: str  # plain text, paragraphs separated by newlines
    images: tuple[Image, ...] = ()
    author: str = ""
    published: dt.datetime | None = None


@dataclass(frozen=True)
class SourcePolicy:
    """What normalize needs to know about the source (passed in, never looked up)."""

    credit: str  # e.g. "RT.com"
    home_url: str = ""
    full_text: bool = True  # False: excerpt only
    section_map: dict[str, str] = field(default_factory=dict)  # source category -> our section
    default_section: str = "world"
    language: str | None = None  # declared language of the source, if any
    link_rel: str | None = None  # rel of every link in the body; None: "noopener noreferrer"


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

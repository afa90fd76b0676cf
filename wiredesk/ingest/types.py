"""Frozen dataclasses passed between the pipeline stages.

fetch -> FetchResult -> parse -> ParsedFeed(RawItem...) -> [extract -> Extracted]
      -> normalize(RawItem, SourcePolicy, now) -> NormalizedItem -> classify -> Decision -> store

Nothing here imports Django: the stages in the middle are pure functions over these types.
What the pipeline hands to the store (NormalizedItem, Image, Decision) lives with the stored
articles, in wiredesk.stories.types, and is named here too.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from wiredesk.stories.types import Decision, Image, NormalizedItem
from wiredesk.text.records import Lead, RelatedLink

__all__ = [
    "Decision", "Extracted", "Image", "Lead", "NormalizedItem", "ParsedFeed", "RawItem",
    "RefreshReport", "RelatedLink", "SourcePolicy",
]


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
    # Keys of the body's lines before the source's furniture was taken out (extract/furniture.py).
    lines: frozenset[str] = frozenset()
    furniture_removed: int = 0  # lines taken out as the source's furniture


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


@dataclass
class RefreshReport:
    source_id: int
    status: str = "ok"  # ok | not_modified | error | skipped
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    failed_items: int = 0
    withdrawn: int = 0  # stored articles the feed marked deleted (followed or flagged)
    error: str = ""
    # A whole write batch was not kept (its transaction failed): its items come back with the
    # next full fetch of the document, so the feed's validators are not kept either.
    batch_lost: bool = False
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "source_id": self.source_id,
            "status": self.status,
            "new": self.new,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "failed_items": self.failed_items,
            "error": self.error,
        }

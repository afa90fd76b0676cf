"""A source's page furniture, learned from its own pages: lines every article of it repeats.

No extractor knows that "Order a reprint of this article", "© Lakeside Telegraph, all rights
reserved" or "Read more: our coverage of the council" is furniture on one site and article
text on another; but a site repeats its furniture on page after page, and a line of real
reporting does not. So each source keeps a profile: over its recent new articles, how many
of them had each line (a paragraph, heading or list item of the extracted text, compared
without case or spacing). A line found on a good share of them, once enough pages have been
seen, is furniture for that source and is taken out of its articles after extraction.

Decisions, and why:
- Learned from *new* articles only (an article fetched again after an edit would count its
  own lines twice) and from the text before any line is taken out (else a learned line
  would vanish from the counts and be forgotten, then learned again).
- A line is furniture once seen on at least ``SHARE`` of the pages, and on ``MIN_COUNT``
  of them, after ``MIN_PAGES`` pages; and only a short one (``MAX_LINE_CHARS``): furniture is
  on most of a template's pages, while a background paragraph a reporter repeats in a run of
  follow-ups is long and on a few. A source with fewer pages goes without.
- Lines the normalize stage reads are never furniture, however often they recur: a credit
  tag in brackets, an editor's note ("(Repeats ...)"); they are lifted there, not lost here.
  Bracketed and long lines are not even counted; an unbracketed note ("REPEAT") may be
  counted, but is never taken out (whether a line is a note is asked of the few lines a
  profile would take out, not of every line of every page).
- A page taught once per refresh even if the feed lists it under several identities, and
  only once it is stored.
- The counts forget: past ``WINDOW`` pages every count is halved, so a redesign's new
  furniture is learned and the old lines fade; at most ``MAX_LINES`` lines are kept.
- Never more than ``MAX_SHARE`` of a page's text is taken out: a page made mostly of what
  the source always says (a reissue, a standard notice) is left whole rather than gutted.
- Lines are keys (a short hash of the normalised text): the profile holds no article text.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, field
from typing import Iterable, NamedTuple

from lxml.etree import _Element

from wiredesk.text.notes import is_note

MIN_PAGES = 10
MIN_COUNT = 5
SHARE = 0.5
WINDOW = 60
MAX_LINES = 1500
MAX_SHARE = 0.5
# Longer lines are reporting, whatever their count: furniture is a short line.
MAX_LINE_CHARS = 250
# The elements of trafilatura's output that hold one line each (paragraphs, headings, items).
_LINE_TAGS = frozenset({"p", "head", "item"})


def line_key(text: str) -> str:
    """The key of one line: its words, case-folded, hashed (empty for a line without words)."""
    words = text.casefold().split()
    if not words:
        return ""
    return hashlib.blake2b(" ".join(words).encode("utf-8"), digest_size=8).hexdigest()


class Line(NamedTuple):
    element: _Element
    key: str
    text: str


def body_lines(body: _Element) -> list[Line]:
    """Each line element of an extracted body with its key and text (outermost lines only;
    credit tags in brackets and long lines left out)."""
    found = []
    for element in body.iter(*_LINE_TAGS):
        if any(a.tag in _LINE_TAGS for a in element.iterancestors()):
            continue  # a paragraph inside an item: the item is the line
        text = "".join(element.itertext()).strip()
        if len(text) > MAX_LINE_CHARS or text.startswith(("(", "[")):
            continue
        key = line_key(text)
        if key:
            found.append(Line(element, key, text))
    return found


def line_keys(body: _Element, lines: list[Line] | None = None) -> frozenset[str]:
    """The keys of an extracted body's lines: what a new article teaches its source's profile."""
    return frozenset(line.key for line in (body_lines(body) if lines is None else lines))


def _remove(element: _Element) -> None:
    parent = element.getparent()
    if parent is None:
        return
    tail = element.tail
    if tail and tail.strip():
        previous = element.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail
    parent.remove(element)


def strip_furniture(body: _Element, furniture: frozenset[str], lines: list[Line] | None = None) -> int:
    """Take a source's furniture lines out of an extracted body; return how many went.
    ``lines``: the body's lines as ``body_lines`` read them, if already read."""
    if not furniture:
        return 0
    lines = body_lines(body) if lines is None else lines
    hits = [(line.element, len(line.text)) for line in lines if line.key in furniture and not is_note(line.text)]
    if not hits:
        return 0
    # Measured against all of the body's text, lines too long to be furniture included.
    total = len("".join(body.itertext()).strip())
    if sum(length for _, length in hits) > MAX_SHARE * total:
        return 0
    for element, _ in hits:
        _remove(element)
    # A list or quotation whose every line went goes too (innermost first).
    for container in reversed([e for e in body.iter("list", "quote")]):
        if not len(container) and not (container.text or "").strip():
            _remove(container)
    return len(hits)


def _number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value) and value >= 0


@dataclass
class Profile:
    """What one source's new articles have taught: how many pages, and each line's count."""

    pages: float = 0.0
    counts: dict[str, float] = field(default_factory=dict)

    def learn(self, pages: Iterable[frozenset[str]]) -> None:
        for keys in pages:
            self.pages += 1
            for key in keys:
                self.counts[key] = self.counts.get(key, 0.0) + 1
            if self.pages > WINDOW:
                self._forget()
        if len(self.counts) > MAX_LINES:
            kept = sorted(self.counts.items(), key=lambda kv: kv[1], reverse=True)[:MAX_LINES]
            self.counts = dict(kept)

    def _forget(self) -> None:
        self.pages /= 2
        self.counts = {k: c / 2 for k, c in self.counts.items() if c / 2 >= 1}

    def furniture(self) -> frozenset[str]:
        if self.pages < MIN_PAGES:
            return frozenset()
        floor = max(MIN_COUNT, SHARE * self.pages)
        return frozenset(k for k, c in self.counts.items() if c >= floor)

    def to_json(self) -> dict:
        return {"pages": self.pages, "counts": self.counts}

    @classmethod
    def from_json(cls, data: object) -> "Profile":
        """A stored profile, or an empty one for anything that is not one (never an error)."""
        if not isinstance(data, dict):
            return cls()
        pages, counts = data.get("pages"), data.get("counts")
        if not _number(pages) or not isinstance(counts, dict):
            return cls()
        clean = {k: float(c) for k, c in counts.items() if isinstance(k, str) and _number(c) and c > 0}
        return cls(pages=float(pages), counts=clean)

"""What the search index holds for an article, and how marked-up matches become safe HTML."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from wiredesk.text.sanitize import html_to_text

# Private-use characters the databases put around matches; escaped text never contains them,
# so after HTML-escaping they are swapped for <mark> tags and nothing else becomes markup.
MARK_START = "\ue000"
MARK_STOP = "\ue001"
ELLIPSIS = "\u2026"

TITLE_MAX_CHARS = 1_000
BODY_MAX_CHARS = 100_000  # PostgreSQL refuses tsvectors over 1 MB; the story is told by then


@dataclass(frozen=True)
class Document:
    id: int
    title: str
    body: str
    # The article's publication time: PostgreSQL keeps it in the index row, so that the newest
    # matches come from one index walk over that table alone (backends/postgres.py).
    published_at: dt.datetime


def _clean(text: str, limit: int) -> str:
    # NUL is refused by PostgreSQL; the sentinels must only ever come from the database.
    return text.replace("\x00", " ").replace(MARK_START, " ").replace(MARK_STOP, " ")[:limit]


def indexed_title(title: str | None) -> str:
    """An article's title as its index row holds it."""
    return _clean(title or "", TITLE_MAX_CHARS)


def document_for(*, id: int, title: str, body_html: str = "", lead_text: str, body_text: str | None = None,
                 published_at: dt.datetime) -> Document:
    """The indexed text of an article: its title, and the plain text of its body with the lead.

    ``body_text``, when the caller has it already (ingest does), is the plain text of
    ``body_html`` and saves working it out again."""
    body = html_to_text(body_html or "") if body_text is None else body_text
    lead = (lead_text or "").strip()
    if lead and " ".join(lead.split())[:80] not in " ".join(body.split()):
        body = f"{lead}\n{body}" if body else lead  # lead_text is usually the body's opening
    return Document(id=id, title=indexed_title(title), body=_clean(body, BODY_MAX_CHARS), published_at=published_at)


def marked_html(text: str | None) -> SafeString:
    """Escape text, then turn the match sentinels into balanced <mark> tags."""
    out: list[str] = []
    open_ = False
    start = 0
    text = text or ""
    for i, ch in enumerate(text):
        if ch not in (MARK_START, MARK_STOP):
            continue
        out.append(escape(text[start:i]))
        start = i + 1
        if ch == MARK_START and not open_:
            out.append("<mark>")
            open_ = True
        elif ch == MARK_STOP and open_:
            out.append("</mark>")
            open_ = False
    out.append(escape(text[start:]))
    if open_:
        out.append("</mark>")
    return mark_safe("".join(out))

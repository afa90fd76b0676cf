"""Field cleaning shared by the feed formats: plain text, dates, caps, provenance hash.

Pure functions, no Django. Dates come back aware (in the zone the feed wrote) and are
never clamped here: normalize clamps them against the fetch time it is given.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import html
import json
import re
import time
from typing import Any

from wiredesk.text.chars import xml_safe
from wiredesk.text.dates import MIN_YEAR, parse_date

MAX_ITEMS = 1000
MAX_TITLE_CHARS = 1000
MAX_CATEGORIES = 50
MAX_CATEGORY_CHARS = 200

_TAG_RE = re.compile(r"<[^<>]*>")  # never crosses a "<": linear on hostile input
_WS_RE = re.compile(r"\s+")
_ENTITY_RE = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
_PARAGRAPH_SPLIT_RE = re.compile(r"\n\s*\n")


def clip(text: str, limit: int) -> str:
    """Cut ``text`` to at most ``limit`` characters, ending with an ellipsis when cut."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "\u2026"


def plain_text(value: str, *, is_html: bool) -> str:
    """Turn a title-like field into one line of plain text.

    Markup is dropped and entities decoded. Plain-text values are unescaped once more when
    they still hold entities: feeds that escape twice (``AT&amp;amp;T``) are far more common
    than titles that mean a literal ``&amp;``.
    """
    if is_html:
        value = html.unescape(_TAG_RE.sub(" ", value))
    elif "&" in value and _ENTITY_RE.search(value):
        value = html.unescape(value)
    value = xml_safe(value)  # controls, noncharacters, lone surrogates: never meaningful here
    return _WS_RE.sub(" ", value).strip()


def title_text(value: str, *, is_html: bool) -> str:
    """Plain-text title capped at MAX_TITLE_CHARS."""
    return clip(plain_text(value[: MAX_TITLE_CHARS * 8], is_html=is_html), MAX_TITLE_CHARS)


def text_to_html(text: str) -> str:
    """Escape plain text into ``<p>`` paragraphs (blank lines split, single newlines ``<br>``)."""
    paragraphs = [p.strip() for p in _PARAGRAPH_SPLIT_RE.split(text.replace("\r\n", "\n"))]
    return "".join(
        "<p>" + html.escape(p).replace("\n", "<br>") + "</p>" for p in paragraphs if p
    )


def categories(terms: list[Any]) -> tuple[str, ...]:
    """Distinct non-empty category strings, in order, at most MAX_CATEGORIES."""
    seen: dict[str, None] = {}
    for term in terms:
        if not isinstance(term, str):
            continue
        term = clip(plain_text(term, is_html=False), MAX_CATEGORY_CHARS)
        if term and term not in seen:
            seen[term] = None
            if len(seen) == MAX_CATEGORIES:
                break
    return tuple(seen)


def raw_hash(entry: Any) -> str:
    """sha256 of a canonical JSON dump of an entry as received."""
    dump = json.dumps(entry, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(dump.encode("utf-8", "surrogatepass")).hexdigest()


def parse_datetime(value: Any) -> dt.datetime | None:
    """Aware datetime written in ``value`` (RFC 822/5322 or RFC 3339/ISO 8601), else None.

    A value without a zone is read as UTC; impossible dates (31 February) give None.
    """
    if not isinstance(value, str) or len(value) > 100:
        return None
    return parse_date(value)


def _from_struct_time(value: Any) -> dt.datetime | None:
    try:
        return dt.datetime(*value[:6], tzinfo=dt.timezone.utc)
    except (TypeError, ValueError, OverflowError):
        return None


def feed_datetime(raw: Any, parsed: time.struct_time | None) -> dt.datetime | None:
    """The date of a feed field: our own parse of the raw string, then feedparser's.

    feedparser's ``*_parsed`` (UTC struct_time) is only a fallback for spellings our parser
    does not know: its ISO 8601 reader rolls impossible dates over (2025-02-31 becomes
    3 March) and reads "12" as the year 1101, so an ISO-looking string we reject stays None.
    """
    own = parse_datetime(raw)
    if own is not None or parsed is None:
        return own
    if isinstance(raw, str) and raw.strip()[:4].isdigit():
        return None
    fallback = _from_struct_time(parsed)
    return fallback if fallback is not None and fallback.year >= MIN_YEAR else None

"""The parse stage: feed bytes in, ParsedFeed out (no Django, no network, no clock).

``FORMATS`` maps a format name to its parser; every parser has the signature
``(content: bytes, *, url, content_type, charset) -> ParsedFeed``. RSS, RDF and Atom share
one feedparser-based parser, which reports the format it actually found.
"""

from __future__ import annotations

import re
from dataclasses import replace

from wiredesk.ingest.formats.discover import discover_feeds
from wiredesk.ingest.formats.errors import ParseError
from wiredesk.ingest.formats.jsonfeed import parse_jsonfeed
from wiredesk.ingest.formats.xmlfeeds import parse_xml
from wiredesk.ingest.formats.xmlsafety import leading_char, unicode_form
from wiredesk.ingest.types import ParsedFeed
from wiredesk.text.chars import xml_safe_all

__all__ = ["FORMATS", "ParseError", "discover_feeds", "parse_feed", "sniff_format"]

FORMATS = {
    "rss": parse_xml,
    "atom": parse_xml,
    "rdf": parse_xml,
    "jsonfeed": parse_jsonfeed,
}

_BLANK = re.compile(rb"[ \t\r\n]*")
_BLANK_WIDE = re.compile(rb"[ \t\r\n\0]*")  # white space in UTF-16 and UTF-32
_JSON_TYPES = {"application/feed+json", "application/json"}
# Magic numbers of things servers send instead of a feed (RFC 8259 has none; XML neither).
_NOT_FEEDS = (
    (b"%PDF-", "a PDF document"),
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"RIFF", "a RIFF file (WebP, WAV, AVI)"),
    (b"PK\x03\x04", "a ZIP archive"),
    (b"\x1f\x8b", "gzip data"),
    (b"\x00\x00\x00", "binary data"),
)


def _split_content_type(content_type: str | None) -> tuple[str, str | None]:
    if not content_type:
        return "", None
    mime, _, params = content_type.partition(";")
    charset = None
    for param in params.split(";"):
        key, _, value = param.partition("=")
        if key.strip().lower() == "charset" and value.strip():
            charset = value.strip().strip("\"'")
    return mime.strip().lower(), charset


def sniff_format(content: bytes, *, content_type: str | None = None) -> str:
    """Guess "jsonfeed" or "rss" (meaning: any XML feed) from the media type and the bytes."""
    mime, _ = _split_content_type(content_type)
    first = leading_char(content)
    if first == "{" or (mime in _JSON_TYPES and first != "<"):
        return "jsonfeed"
    return "rss"


def parse_feed(
    content: bytes,
    *,
    url: str,
    content_type: str | None = None,
    charset: str | None = None,
    declared_format: str = "auto",
) -> ParsedFeed:
    """Parse feed bytes into a ParsedFeed or raise ParseError.

    ``charset`` overrides the charset parameter of ``content_type``. ``declared_format`` is
    what the source says it publishes; the document's own format wins and a mismatch is
    reported as a warning.
    """
    if not isinstance(content, (bytes, bytearray)):
        raise TypeError("parse_feed() takes the body as bytes")
    content = bytes(content)
    form, bom = unicode_form(content)
    wide = form not in (None, "utf-8")
    if (_BLANK_WIDE if wide else _BLANK).match(content, bom).end() == len(content):
        raise ParseError("empty_body", "the response body is empty")
    if not wide:  # UTF-32 text starts with NUL bytes, like binary data
        for magic, what in _NOT_FEEDS:
            if content.startswith(magic):
                raise ParseError("not_a_feed", f"{what}, not a feed")
    _, header_charset = _split_content_type(content_type)
    charset = charset or header_charset
    if declared_format == "auto":
        fmt = sniff_format(content, content_type=content_type)
    elif declared_format in FORMATS:
        fmt = declared_format
    else:
        raise ParseError("unknown_format", f"no parser for {declared_format!r}")
    parser = FORMATS[fmt]
    first = leading_char(content)
    if parser is parse_jsonfeed and first == "<":
        parser = parse_xml  # declared JSON, sent XML: read what was sent
    elif parser is parse_xml and first == "{":
        parser = parse_jsonfeed
    # Nothing past this stage sees a character no document may hold (text.chars): a JSON
    # string can spell a lone surrogate ("\ud800"), which could not even be hashed or stored.
    feed = xml_safe_all(parser(content, url=url, content_type=content_type, charset=charset))
    if declared_format not in ("auto", feed.format):
        feed = _with_warning(feed, f"source declared {declared_format}, document is {feed.format}")
    return feed


def _with_warning(feed: ParsedFeed, warning: str) -> ParsedFeed:
    return replace(feed, warnings=(*feed.warnings, warning))

"""RSS 0.9x, RSS 1.0 (RDF), RSS 2.0 and Atom through feedparser, into ParsedFeed."""

from __future__ import annotations

import html
import io
import re
from dataclasses import asdict
from typing import Any
from urllib.parse import urljoin, urlsplit

import feedparser
from lxml import etree

from wiredesk.core.timelimits import TIME_LIMITS
from wiredesk.ingest.formats import fields, mediarss
from wiredesk.ingest.formats.errors import ParseError
from wiredesk.ingest.formats.itemcap import limit_items
from wiredesk.ingest.formats.xmlsafety import decode_xml, strip_prolog
from wiredesk.ingest.types import Image, ParsedFeed, RawItem

_FORMAT_BY_VERSION = {
    "rss090": "rss", "rss091n": "rss", "rss091u": "rss", "rss092": "rss", "rss093": "rss",
    "rss094": "rss", "rss20": "rss", "rss": "rss", "cdf": "rss", "rss10": "rdf",
    "atom01": "atom", "atom02": "atom", "atom03": "atom", "atom10": "atom", "atom": "atom",
}
_HTML_TYPES = {"text/html", "application/xhtml+xml", "html", "xhtml"}
_SY_PERIODS = {"hourly": 3600, "daily": 86400, "weekly": 604800, "monthly": 2592000, "yearly": 31536000}
_MAX_TTL_SECONDS = 31536000

_XML_DECL_RE = re.compile(r"^\s*<\?xml\s[^>]{0,300}\?>")
_MRSS_PREFIX_RE = re.compile(r"""xmlns:([A-Za-z_][\w.-]{0,40})\s*=\s*["']http://search\.yahoo\.com/mrss/?["']""")
# feedparser files media:description as the entry's summary or content (where it can replace
# the body) and media:title as the headline of an entry without one. Renamed, they are
# elements feedparser does not know; their text is read by mediarss instead. The prefix is
# the one the document binds to the Media RSS namespace.
_HIDDEN_PREFIX = "wdhidden"
_UTF8_DECL = '<?xml version="1.0" encoding="utf-8"?>\n'
# feedparser resolves a guid without isPermaLink against the feed URL ("ledger-1" becomes
# "https://host/ledger-1"), so an item's identity would depend on where the feed lives.
# Marked as not a permalink, it stays as written; the link fallback is done here instead.
# Attribute runs are bounded so that hostile markup cannot make these scans quadratic.
_BARE_GUID_RE = re.compile(r"<guid(?![^<>]{0,500}isPermaLink)(\s[^<>]{0,500})?>")
_NOT_PERMALINK_RE = re.compile(
    r"""<guid\s[^<>]{0,500}?isPermaLink\s*=\s*["']false["'][^<>]{0,500}>\s*([^<]{1,2000}?)\s*</guid>"""
)
_IMAGE_EXT_RE = re.compile(r"\.(?:jpe?g|png|gif|webp|avif)(?:$|[?#])", re.IGNORECASE)
_EMAIL = r"[^@\s()<>]+@[^@\s()<>]+"
_EMAIL_THEN_NAME_RE = re.compile(rf"\s*{_EMAIL}\s*\((.+)\)\s*")
_NAME_THEN_EMAIL_RE = re.compile(rf"\s*(.+?)\s*[(<]\s*{_EMAIL}\s*[)>]\s*")
_EMAIL_RE = re.compile(rf"\s*{_EMAIL}\s*")


def _get(mapping: Any, key: str) -> Any:
    """Plain dict lookup: FeedParserDict's own get() remaps keys (updated -> published)."""
    return dict.get(mapping, key) if isinstance(mapping, dict) else None


def _str(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _is_html(detail: Any) -> bool:
    return _get(detail, "type") in _HTML_TYPES


def _prepare(text: str) -> tuple[bytes, bytes, frozenset[str]]:
    """UTF-8 bytes for feedparser, the document as written (for its pictures), and the guids
    the feed itself marked as not permalinks."""
    text = _XML_DECL_RE.sub("", text, count=1)
    as_written = (_UTF8_DECL + text).encode("utf-8", "replace")
    not_permalinks = frozenset(html.unescape(g).strip() for g in _NOT_PERMALINK_RE.findall(text))
    text = _BARE_GUID_RE.sub(r'<guid isPermaLink="false"\1>', text)
    for prefix in set(_MRSS_PREFIX_RE.findall(text)):
        text = re.sub(rf"<(/?){re.escape(prefix)}:(description|title)\b", rf"<\1{prefix}:{_HIDDEN_PREFIX}\2", text)
    return (_UTF8_DECL + text).encode("utf-8", "replace"), as_written, not_permalinks


# RFC 6721: <at:deleted-entry ref="GUID" .../> elements of the tombstones namespace, under
# whatever prefix. feedparser does not read them; the document is parsed again (as the Media
# RSS pass does, with the same safe parser) only when it names the namespace.
_TOMBSTONES_NS = "http://purl.org/atompub/tombstones/1.0"
_TOMBSTONE_TAG = f"{{{_TOMBSTONES_NS}}}deleted-entry"


def _tombstones(as_written: bytes) -> tuple[str, ...]:
    """The GUIDs the feed marks deleted, in document order, at most MAX_ITEMS of them."""
    if _TOMBSTONES_NS.encode() not in as_written:
        return ()
    try:
        root = etree.fromstring(as_written, mediarss.SAFE_PARSER)
    except (etree.XMLSyntaxError, ValueError):
        return ()
    if root is None:
        return ()
    refs = ((element.get("ref") or "").strip() for element in root.iter(_TOMBSTONE_TAG))
    return tuple(dict.fromkeys(r for r in refs if r))[: fields.MAX_ITEMS]


def _run_feedparser(data: bytes, url: str) -> Any:
    try:
        # A file object, never bytes or a string: feedparser would try those as a path or URL.
        return feedparser.parse(
            io.BytesIO(data),
            response_headers={"content-type": "application/xml; charset=utf-8", "content-location": url},
            sanitize_html=False,  # normalize sanitizes with nh3; here the markup stays as sent
            resolve_relative_uris=True,
        )
    except TIME_LIMITS:  # a time limit ends the refresh: it is no verdict on the feed
        raise
    except Exception as exc:  # third-party parser on hostile input: never let it crash a worker
        raise ParseError("malformed", f"feedparser failed: {type(exc).__name__}: {exc}") from exc


def _author(entry: Any) -> str:
    raw = fields.plain_text(_str(_get(entry, "author"))[:500], is_html=False)
    if not raw:
        return ""
    for pattern in (_EMAIL_THEN_NAME_RE, _NAME_THEN_EMAIL_RE):
        match = pattern.fullmatch(raw)
        if match:
            return fields.clip(match.group(1).strip(), 200)
    if _EMAIL_RE.fullmatch(raw):
        return ""  # a bare address is contact data, not a byline worth publishing
    return fields.clip(raw, 200)


def _content_html(entry: Any) -> tuple[str, Any]:
    contents = [c for c in _get(entry, "content") or [] if isinstance(c, dict)]
    for content in contents:
        if _is_html(content):
            return _str(_get(content, "value")), content
    for content in contents:
        value = _str(_get(content, "value"))
        if value:
            return fields.text_to_html(value), content
    return "", None


def _summary_html(entry: Any) -> str:
    summary = _str(_get(entry, "summary"))
    detail = _get(entry, "summary_detail")
    if summary and detail is not None and not _is_html(detail):
        return fields.text_to_html(summary)
    return summary


def _http_url(base: str, value: Any) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        absolute = urljoin(base, value.strip())
        scheme = urlsplit(absolute).scheme
    except ValueError:
        return None
    return absolute if scheme in ("http", "https") else None


def _flat_images(entry: Any, base: str) -> tuple[Image, ...]:
    """The picture URLs feedparser kept, without their texts: for an entry the document read
    by mediarss did not line up with (a broken document that the two parsers recovered
    differently)."""
    urls: list[str] = []
    for media in _get(entry, "media_content") or []:
        medium, mime = _str(_get(media, "medium")), _str(_get(media, "type"))
        url = _str(_get(media, "url"))
        if medium == "image" or mime.startswith("image/") or (not medium and not mime and _IMAGE_EXT_RE.search(url)):
            urls.append(url)
    for link in _get(entry, "links") or []:
        if _get(link, "rel") == "enclosure" and _str(_get(link, "type")).startswith("image/"):
            urls.append(_str(_get(link, "href")))
    if not urls:
        urls = [_str(_get(thumb, "url")) for thumb in _get(entry, "media_thumbnail") or []]
    absolute = dict.fromkeys(u for u in (_http_url(base, url) for url in urls) if u)
    return tuple(Image(url=u) for u in list(absolute)[:mediarss.MAX_IMAGES])


def _item(
    entry: Any, *, url: str, feed_language: str | None, not_permalinks: frozenset[str],
    pictures: tuple[Image, ...] | None,
) -> RawItem:
    content_html, content = _content_html(entry)
    title_detail = _get(entry, "title_detail")
    summary_detail = _get(entry, "summary_detail")
    details = [d for d in (content, summary_detail, title_detail) if isinstance(d, dict)]
    base = next((_str(_get(d, "base")) for d in details if _str(_get(d, "base"))), "") or url
    language = next((_str(_get(d, "language")) for d in details if _str(_get(d, "language"))), "")
    published = fields.feed_datetime(_get(entry, "published"), _get(entry, "published_parsed"))
    updated = fields.feed_datetime(_get(entry, "updated"), _get(entry, "updated_parsed"))
    guid = _str(_get(entry, "id")) or None
    link = _http_url(base, _get(entry, "link"))
    if link is None and guid and guid.startswith(("http://", "https://")) and guid not in not_permalinks:
        link = _http_url(base, guid)  # RSS 2.0: a guid is a permalink unless it says otherwise
    images = _flat_images(entry, base) if pictures is None else pictures
    return RawItem(
        guid=guid,
        link=link,
        title=fields.title_text(_str(_get(entry, "title")), is_html=_is_html(title_detail)),
        content_html=content_html,
        summary_html=_summary_html(entry),
        author=_author(entry),
        # RSS 1.0 and many RSS 2.0 feeds date items only with dc:date, which feedparser files
        # as "updated": it is the publication date there.
        published=published or updated,
        updated=updated,
        categories=fields.categories([_get(tag, "term") for tag in _get(entry, "tags") or []]),
        images=images,
        language=language or feed_language,
        base_url=base,
        # The pictures' texts are not in feedparser's entry: a changed caption is a change.
        raw_hash=fields.raw_hash({**entry, "_pictures": [asdict(i) for i in images]} if images else entry),
    )


def _pictures(as_written: bytes, *, url: str, entries: int) -> list[tuple[Image, ...] | None]:
    """Each entry's pictures as mediarss reads them, or None for each when its reading of the
    document does not line up with feedparser's (then feedparser's URLs are used)."""
    if not entries:
        return []
    found = mediarss.document_images(as_written, url=url)
    if found is None or len(found) < entries:
        return [None] * entries
    return found[:entries]  # feedparser keeps at most MAX_ITEMS: the first ones


def _ttl_seconds(feed: Any) -> int | None:
    try:
        minutes = int(_str(_get(feed, "ttl")))
        if 0 < minutes * 60 <= _MAX_TTL_SECONDS:
            return minutes * 60
    except ValueError:
        pass
    period = _SY_PERIODS.get(_str(_get(feed, "sy_updateperiod")).lower())
    if period is None:
        return None
    try:
        frequency = int(_str(_get(feed, "sy_updatefrequency")) or 1)
    except ValueError:
        frequency = 1
    return period // frequency if frequency > 0 else period


def parse_xml(
    content: bytes, *, url: str, content_type: str | None = None, charset: str | None = None
) -> ParsedFeed:
    """Parse an RSS, RDF or Atom document into a ParsedFeed."""
    content, counted = limit_items(content, limit=fields.MAX_ITEMS)  # only what can be stored
    decoded = decode_xml(content, charset=charset)
    text, root = strip_prolog(decoded.text)
    if root.lower() == "html":
        raise ParseError("not_a_feed", "an HTML document, not a feed")
    data, as_written, not_permalinks = _prepare(text)
    result = _run_feedparser(data, url)
    warnings = list(decoded.warnings)
    if _get(result, "bozo"):
        warnings.append(fields.clip(f"not well-formed: {_get(result, 'bozo_exception')}", 300))
    fmt = _FORMAT_BY_VERSION.get(_get(result, "version") or "")
    entries = _get(result, "entries") or []
    if fmt is None:
        if not root:
            raise ParseError("not_a_feed", "no XML root element")
        if _get(result, "bozo"):
            raise ParseError("malformed", f"not a readable feed: {_get(result, 'bozo_exception')}")
        raise ParseError("not_a_feed", f"XML root <{root}> is not RSS, RDF or Atom")
    if max(counted, len(entries)) > fields.MAX_ITEMS:
        warnings.append(f"{max(counted, len(entries))} items, kept the first {fields.MAX_ITEMS}")
        entries = entries[: fields.MAX_ITEMS]
    feed = _get(result, "feed") or {}
    language = _str(_get(feed, "language")) or None
    pictures = _pictures(as_written, url=url, entries=len(entries))
    items = [
        _item(e, url=url, feed_language=language, not_permalinks=not_permalinks, pictures=pictures[n])
        for n, e in enumerate(entries)
    ]
    usable = [i for i in items if i.title or i.link or i.guid or i.content_html or i.summary_html]
    if len(usable) < len(items):
        warnings.append(f"{len(items) - len(usable)} empty items skipped")
    if _get(result, "bozo") and not usable:
        # A broken document that yields nothing is an error, not an empty feed.
        raise ParseError("malformed", f"no items recovered: {_get(result, 'bozo_exception')}")
    return ParsedFeed(
        format=fmt,
        title=fields.title_text(_str(_get(feed, "title")), is_html=_is_html(_get(feed, "title_detail"))),
        home_url=_http_url(url, _get(feed, "link")),
        language=language,
        items=tuple(usable),
        ttl_seconds=_ttl_seconds(feed),
        warnings=tuple(warnings),
        withdrawn=_tombstones(as_written),
    )

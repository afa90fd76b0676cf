"""JSON Feed 1.0 and 1.1 (https://jsonfeed.org/version/1.1) into ParsedFeed."""

from __future__ import annotations

import codecs
from typing import Any
from urllib.parse import urljoin, urlsplit

from wiredesk.ingest.formats import fields
from wiredesk.ingest.formats.errors import ParseError
from wiredesk.ingest.formats.jsoncap import Counted, loads_capped
from wiredesk.ingest.formats.xmlsafety import unicode_form
from wiredesk.ingest.types import Image, ParsedFeed, RawItem

VERSION_PREFIX = "https://jsonfeed.org/version/"
KNOWN_VERSIONS = {"1", "1.1"}
MAX_DEPTH = 32  # the spec needs 4 levels (feed, items, item, authors); extensions get the rest
_MAX_IMAGES = 20


def _decode(content: bytes, charset: str | None) -> str:
    # RFC 8259 section 8.1: JSON is UTF-8; a BOM is tolerated, another charset only if declared.
    # UTF-16 and UTF-32 (RFC 4627 section 3, which readers still accept) show in their NULs.
    form, bom = unicode_form(content)
    if form not in (None, "utf-8"):
        try:
            return content[bom:].decode(form)
        except UnicodeDecodeError:
            raise ParseError("bad_encoding", f"JSON Feed is not valid {form.upper()}") from None
    data = content[bom:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    if charset:
        try:
            info = codecs.lookup(charset)
            if info.name not in ("utf-7", "unicode-escape", "raw-unicode-escape"):
                return data.decode(info.name)
        except (LookupError, UnicodeDecodeError):
            pass
    raise ParseError("bad_encoding", "JSON Feed is not valid UTF-8")


def _check_depth(root: Any) -> None:
    stack = [(root, 1)]
    while stack:
        value, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise ParseError("too_deep", f"JSON nested deeper than {MAX_DEPTH} levels")
        if isinstance(value, dict):
            stack.extend((v, depth + 1) for v in value.values() if isinstance(v, (dict, list)))
        elif isinstance(value, list):
            stack.extend((v, depth + 1) for v in value if isinstance(v, (dict, list)))


def _str(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _http_url(base: str, value: Any) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        absolute = urljoin(base, value.strip())
        return absolute if urlsplit(absolute).scheme in ("http", "https") else None
    except ValueError:
        return None


def _authors(obj: dict) -> str:
    authors = obj.get("authors")
    if not isinstance(authors, list):
        author = obj.get("author")  # JSON Feed 1.0
        authors = [author] if isinstance(author, dict) else []
    names = [fields.plain_text(_str(a.get("name")), is_html=False) for a in authors if isinstance(a, dict)]
    return fields.clip(", ".join(n for n in names if n), 200)


def _images(item: dict, base: str) -> tuple[Image, ...]:
    urls = [item.get("image"), item.get("banner_image")]
    for attachment in item.get("attachments") or []:
        if isinstance(attachment, dict) and _str(attachment.get("mime_type")).startswith("image/"):
            urls.append(attachment.get("url"))
    absolute = dict.fromkeys(u for u in (_http_url(base, url) for url in urls) if u)
    return tuple(Image(url=u) for u in list(absolute)[:_MAX_IMAGES])


def _item(item: dict, *, url: str, feed_author: str, feed_language: str | None) -> RawItem:
    guid = item.get("id")
    if isinstance(guid, (int, float)) and not isinstance(guid, bool):
        guid = str(guid)  # the spec says string; numbers are common in the wild
    content_html = _str(item.get("content_html"))
    if not content_html and _str(item.get("content_text")):
        content_html = fields.text_to_html(item["content_text"])
    summary = _str(item.get("summary"))
    tags = item.get("tags")
    return RawItem(
        guid=_str(guid) or None,
        link=_http_url(url, item.get("url")) or _http_url(url, item.get("external_url")),
        title=fields.title_text(_str(item.get("title")), is_html=False),
        content_html=content_html,
        summary_html=fields.text_to_html(summary) if summary else "",
        author=_authors(item) or feed_author,
        published=fields.parse_datetime(item.get("date_published")),
        updated=fields.parse_datetime(item.get("date_modified")),
        categories=fields.categories(tags if isinstance(tags, list) else []),
        images=_images(item, url),
        language=_str(item.get("language")) or feed_language,
        base_url=url,
        raw_hash=fields.raw_hash(item),
    )


def parse_jsonfeed(
    content: bytes, *, url: str, content_type: str | None = None, charset: str | None = None
) -> ParsedFeed:
    """Parse a JSON Feed document (the caller has already capped its size)."""
    text = _decode(content, charset)
    try:
        root, counted = loads_capped(text, key="items", limit=fields.MAX_ITEMS)
    except RecursionError as exc:
        raise ParseError("too_deep", "JSON nested too deeply") from exc
    except ValueError as exc:
        raise ParseError("malformed", f"invalid JSON: {exc}") from exc
    _check_depth(root)
    if not isinstance(root, dict):
        raise ParseError("not_a_feed", "JSON document is not an object")
    version = _str(root.get("version"))
    if not version.startswith(VERSION_PREFIX):
        raise ParseError("not_a_feed", "JSON without a jsonfeed.org version URL")
    warnings: list[str] = []
    if version.removeprefix(VERSION_PREFIX).strip("/") not in KNOWN_VERSIONS:
        warnings.append(f"unknown JSON Feed version {version!r}, read as 1.1")
    items = root.get("items")
    if not isinstance(items, list):
        raise ParseError("malformed", "JSON Feed without an items array")
    objects = [item for item in items if isinstance(item, dict)]
    if counted is None:
        counted = Counted(elements=len(items), objects=len(objects))
    if counted.objects < counted.elements:
        warnings.append(f"{counted.elements - counted.objects} items are not objects, skipped")
    if counted.objects > fields.MAX_ITEMS:
        warnings.append(f"{counted.objects} items, kept the first {fields.MAX_ITEMS}")
        objects = objects[: fields.MAX_ITEMS]
    if counted.stopped:
        warnings.append(fields.clip(f"items after the first {fields.MAX_ITEMS} not read: {counted.stopped}", 300))
    language = _str(root.get("language")) or None
    author = _authors(root)
    return ParsedFeed(
        format="jsonfeed",
        title=fields.title_text(_str(root.get("title")), is_html=False),
        home_url=_http_url(url, root.get("home_page_url")),
        language=language,
        items=tuple(_item(o, url=url, feed_author=author, feed_language=language) for o in objects),
        ttl_seconds=None,
        warnings=tuple(warnings),
    )

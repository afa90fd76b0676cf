"""Feed autodiscovery: ``<link rel="alternate">`` elements in an HTML page's head."""

from __future__ import annotations

from urllib.parse import urljoin, urlsplit

import lxml.etree
import lxml.html

FEED_TYPES = {
    "application/rss+xml",
    "application/atom+xml",
    "application/feed+json",
    "application/json",
}
MAX_HTML_BYTES = 5 * 1024 * 1024
_UTF8_PARSER = lxml.html.HTMLParser(encoding="utf-8")


def _absolute(base: str, href: str) -> str | None:
    try:
        url = urljoin(base, href.strip())
        return url if urlsplit(url).scheme in ("http", "https") and urlsplit(url).netloc else None
    except ValueError:
        return None


def discover_feeds(html: bytes | str, *, base_url: str) -> list[tuple[str, str, str]]:
    """(absolute url, media type, title) of each feed the page announces, in document order.

    Only http and https URLs; each URL once (first announcement wins). A ``<base href>`` in
    the head is honoured. The caller fetches the candidates through the guarded client.
    """
    if not html or len(html) > MAX_HTML_BYTES:
        return []
    try:
        if isinstance(html, str):  # lxml refuses str with an encoding declaration
            root = lxml.html.document_fromstring(html.encode("utf-8"), parser=_UTF8_PARSER)
        else:
            root = lxml.html.document_fromstring(html)
    except (lxml.etree.ParserError, ValueError, TypeError):
        return []
    head = root.find("head")
    if head is None:
        return []
    base = base_url
    for element in head.iter("base"):
        candidate = _absolute(base_url, element.get("href") or "")
        if candidate:
            base = candidate
        break
    found: dict[str, tuple[str, str, str]] = {}
    for link in head.iter("link"):
        rel = (link.get("rel") or "").lower().split()
        mime = (link.get("type") or "").split(";")[0].strip().lower()
        href = link.get("href")
        if "alternate" not in rel or mime not in FEED_TYPES or not href:
            continue
        url = _absolute(base, href)
        if url and url not in found:
            found[url] = (url, mime, " ".join((link.get("title") or "").split()))
    return list(found.values())

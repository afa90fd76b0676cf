"""The four feed formats of the demo wires, built with the standard library.

RSS 2.0 with content:encoded and media:content (full text), Atom 1.0 (full content),
JSON Feed 1.1, and an RSS 2.0 feed that carries only summaries (the text is on the pages).
"""

from __future__ import annotations

import email.utils
import json
import xml.etree.ElementTree as ET

from wiredesk.demo import images
from wiredesk.demo.render import article_url, body_html, headline, image_url, summary_text, utc
from wiredesk.demo.stories import Wire
from wiredesk.demo.timeline import Issue

__all__ = ["FEEDS", "CONTENT_TYPES"]

_NS = {
    "xmlns:content": "http://purl.org/rss/1.0/modules/content/",
    "xmlns:dc": "http://purl.org/dc/elements/1.1/",
    "xmlns:media": "http://search.yahoo.com/mrss/",
    "xmlns:atom": "http://www.w3.org/2005/Atom",
}

CONTENT_TYPES = {
    "rss": "application/rss+xml; charset=utf-8",
    "rss-summary": "application/rss+xml; charset=utf-8",
    "atom": "application/atom+xml; charset=utf-8",
    "jsonfeed": "application/feed+json; charset=utf-8",
}


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, tag, {k.replace("__", ":"): v for k, v in attrs.items()})
    if text is not None:
        element.text = text
    return element


def _rfc822(ts: int) -> str:
    return email.utils.format_datetime(utc(ts), usegmt=True)


def _rfc3339(ts: int) -> str:
    return utc(ts).strftime("%Y-%m-%dT%H:%M:%SZ")


def _xml(root: ET.Element) -> bytes:
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"


def _media(parent: ET.Element, base: str, issue: Issue) -> None:
    image = issue.story.image
    if image is None:
        return
    media = _sub(
        parent, "media:content", url=image_url(base, image.name), type="image/png", medium="image",
        width=str(images.WIDTH), height=str(images.HEIGHT),
    )
    _sub(media, "media:description", image.caption, type="plain")
    _sub(media, "media:credit", image.credit)


def _channel(wire: Wire, issues: list[Issue], base: str) -> tuple[ET.Element, ET.Element]:
    rss = ET.Element("rss", {"version": "2.0", **_NS})
    channel = _sub(rss, "channel")
    _sub(channel, "title", wire.name)
    _sub(channel, "link", f"{base}/{wire.key}/")
    _sub(channel, "description", wire.tagline)
    _sub(channel, "language", "en")
    if issues:
        _sub(channel, "lastBuildDate", _rfc822(issues[0].published))
    _sub(channel, "atom:link", href=base + wire.feed_path, rel="self", type="application/rss+xml")
    _sub(channel, "generator", "wiredesk demo wires")
    return rss, channel


def _rss_item(channel: ET.Element, base: str, issue: Issue) -> ET.Element:
    item = _sub(channel, "item")
    _sub(item, "title", headline(issue))
    _sub(item, "link", article_url(base, issue))
    _sub(item, "guid", issue.guid, isPermaLink="false")
    _sub(item, "pubDate", _rfc822(issue.published))
    _sub(item, "dc:creator", issue.story.author)
    _sub(item, "category", issue.story.category)
    _sub(item, "description", summary_text(issue))
    return item


def rss_full(wire: Wire, issues: list[Issue], base: str) -> bytes:
    rss, channel = _channel(wire, issues, base)
    for issue in issues:
        item = _rss_item(channel, base, issue)
        _sub(item, "content:encoded", body_html(base, issue))
        _media(item, base, issue)
    return _xml(rss)


def rss_summary(wire: Wire, issues: list[Issue], base: str) -> bytes:
    rss, channel = _channel(wire, issues, base)
    for issue in issues:
        item = _rss_item(channel, base, issue)
        if issue.story.image:
            data = images.png(issue.story.image.name) or b""
            _sub(item, "enclosure", url=image_url(base, issue.story.image.name), length=str(len(data)), type="image/png")
    return _xml(rss)


def atom(wire: Wire, issues: list[Issue], base: str) -> bytes:
    feed = ET.Element("feed", {"xmlns": "http://www.w3.org/2005/Atom", "xmlns:media": _NS["xmlns:media"], "xml:lang": "en"})
    _sub(feed, "id", f"tag:{wire.key}.wires.example,2026:feed")
    _sub(feed, "title", wire.name)
    _sub(feed, "subtitle", wire.tagline)
    _sub(feed, "updated", _rfc3339(issues[0].published if issues else 0))
    _sub(feed, "link", rel="self", type="application/atom+xml", href=base + wire.feed_path)
    _sub(feed, "link", rel="alternate", type="text/html", href=f"{base}/{wire.key}/")
    _sub(feed, "generator", "wiredesk demo wires")
    for issue in issues:
        entry = _sub(feed, "entry")
        _sub(entry, "id", issue.guid)
        _sub(entry, "title", headline(issue), type="text")
        _sub(entry, "link", rel="alternate", type="text/html", href=article_url(base, issue))
        _sub(entry, "published", _rfc3339(issue.published))
        _sub(entry, "updated", _rfc3339(issue.published))
        _sub(_sub(entry, "author"), "name", issue.story.author)
        _sub(entry, "category", term=issue.story.category)
        _sub(entry, "summary", summary_text(issue), type="text")
        _sub(entry, "content", body_html(base, issue, figure=True), type="html")
        if issue.story.image:
            data = images.png(issue.story.image.name) or b""
            _sub(entry, "link", rel="enclosure", type="image/png", length=str(len(data)),
                 href=image_url(base, issue.story.image.name))
        _media(entry, base, issue)
    return _xml(feed)


def json_feed(wire: Wire, issues: list[Issue], base: str) -> bytes:
    items = []
    for issue in issues:
        item = {
            "id": issue.guid,
            "url": article_url(base, issue),
            "title": headline(issue),
            "content_html": body_html(base, issue, figure=True),
            "summary": summary_text(issue),
            "date_published": _rfc3339(issue.published),
            "authors": [{"name": issue.story.author}],
            "tags": [issue.story.category],
            "language": "en",
        }
        if issue.story.image:
            item["image"] = image_url(base, issue.story.image.name)
        items.append(item)
    document = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": wire.name,
        "home_page_url": f"{base}/{wire.key}/",
        "feed_url": base + wire.feed_path,
        "description": wire.tagline,
        "language": "en",
        "authors": [{"name": wire.name}],
        "items": items,
    }
    return json.dumps(document, ensure_ascii=False, indent=1).encode("utf-8") + b"\n"


FEEDS = {"rss": rss_full, "rss-summary": rss_summary, "atom": atom, "jsonfeed": json_feed}

"""The images of each entry of an RSS, RDF or Atom document, with their own captions and credits.

feedparser flattens Media RSS: the media:credit elements of an item land in one list, a
media:description is filed as the item's summary or content (where it can replace the body),
a media:title can become the headline of an item without one, and the renditions of one
picture in a media:group come out as separate images. Which caption goes with which picture
is lost. So the document is read here a second time, with lxml, for its pictures only.

Media RSS 1.5.1 ("Optional Elements"): media:description, media:title and media:credit may
sit on a media:content, on the media:group around it, or on the item, and the most specific
one applies. An RSS 2.0 ``<enclosure>`` or an Atom ``<link rel="enclosure">`` of an image
type is a picture too, described by the item's own Media RSS elements. Thumbnails stand in
only for an entry that has no other picture (a thumbnail of a media:content is that
content's preview, not another picture).

The document has already been through ``xmlsafety`` (no DTD, no entity declarations), and
the parser is told not to load, resolve or fetch anything anyway.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable
from urllib.parse import urljoin, urlsplit

from lxml import etree

from wiredesk.ingest.formats import fields
from wiredesk.ingest.types import Image

MRSS = frozenset({"http://search.yahoo.com/mrss/", "http://search.yahoo.com/mrss"})
_ATOM = frozenset({"http://www.w3.org/2005/Atom", "http://purl.org/atom/ns#"})
# The namespaces an entry element may have: RSS 0.9x/2.0 (none), RSS 0.90, RSS 1.0, Atom.
_ENTRY_NS = frozenset({"", "http://my.netscape.com/rdf/simple/0.9/", "http://purl.org/rss/1.0/", *_ATOM})
_IMAGE_EXT_RE = re.compile(r"\.(?:jpe?g|png|gif|webp|avif)(?:$|[?#])", re.IGNORECASE)
_HTML_TYPES = frozenset({"html", "text/html", "xhtml", "application/xhtml+xml"})

MAX_IMAGES = 20
MAX_CAPTION_CHARS = 1000
MAX_ALT_CHARS = 500
MAX_CREDIT_CHARS = 200

SAFE_PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False,
    huge_tree=False, recover=True, remove_comments=True, remove_pis=True,
)


@dataclass(frozen=True)
class _Texts:
    """The Media RSS text elements found directly in one element."""

    description: str = ""
    title: str = ""
    credits: tuple[str, ...] = ()


def _split(tag) -> tuple[str, str]:
    """(namespace, local name) of an element's tag; ("", "") for comments and the like."""
    if not isinstance(tag, str):
        return "", ""
    if tag.startswith("{"):
        namespace, _, local = tag[1:].partition("}")
        return namespace, local
    return "", tag


def _text(element) -> str:
    """One line of plain text from a Media RSS text element (type="html" is markup)."""
    value = "".join(element.itertext())
    return fields.plain_text(value, is_html=(element.get("type") or "").strip().lower() in _HTML_TYPES)


def _texts(element) -> _Texts:
    description = title = ""
    credits: list[str] = []
    for child in element:
        namespace, local = _split(child.tag)
        if namespace not in MRSS:
            continue
        if local == "description" and not description:
            description = _text(child)
        elif local == "title" and not title:
            title = _text(child)
        elif local == "credit":
            credit = _text(child)
            if credit and credit not in credits:
                credits.append(credit)
    return _Texts(description, title, tuple(credits))


def _image(url: str, levels: Iterable[_Texts]) -> Image:
    """A picture described by the most specific level that says each thing."""
    levels = tuple(levels)
    description = next((t.description for t in levels if t.description), "")
    title = next((t.title for t in levels if t.title), "")
    credits = next((t.credits for t in levels if t.credits), ())
    caption = description or title
    # The text alternative: with both, the short title (the caption is shown beside the
    # picture, so a screen reader would otherwise hear it twice); else the caption itself.
    alt = title if description and title else caption
    return Image(
        url=url,
        caption=fields.clip(caption, MAX_CAPTION_CHARS),
        credit=fields.clip(", ".join(credits), MAX_CREDIT_CHARS),
        alt=fields.clip(alt, MAX_ALT_CHARS),
    )


def _url(element, attribute: str, base: str) -> str | None:
    value = (element.get(attribute) or "").strip()
    if not value:
        return None
    try:
        absolute = urljoin(element.base or base, value)
        return absolute if urlsplit(absolute).scheme in ("http", "https") else None
    except ValueError:
        return None


def _is_image(content) -> bool:
    medium = (content.get("medium") or "").strip().lower()
    mime = (content.get("type") or "").strip().lower()
    if medium or mime:
        return medium == "image" or mime.startswith("image/")
    return bool(_IMAGE_EXT_RE.search(content.get("url") or ""))


def _size(content) -> int:
    try:
        return int(content.get("width") or 0) * int(content.get("height") or 0)
    except ValueError:
        return 0


def _rendition(group) -> object | None:
    """The picture of a media:group: its default rendition, else its largest, else its first."""
    contents = [c for c in group if _split(c.tag) in {(ns, "content") for ns in MRSS} and _is_image(c)]
    if not contents:
        return None
    default = next((c for c in contents if (c.get("isDefault") or "").strip().lower() == "true"), None)
    return default if default is not None else max(contents, key=_size)  # max keeps the first of equals


def entry_images(entry, base: str) -> tuple[Image, ...]:
    """The pictures of one item or entry element, in document order, one per URL."""
    item = _texts(entry)
    found: list[Image] = []
    thumbnails: list[Image] = []
    for child in entry:
        namespace, local = _split(child.tag)
        if namespace in MRSS and local == "content" and _is_image(child):
            url = _url(child, "url", base)
            if url:
                found.append(_image(url, (_texts(child), item)))
        elif namespace in MRSS and local == "group":
            content = _rendition(child)
            url = _url(content, "url", base) if content is not None else None
            if url:
                found.append(_image(url, (_texts(content), _texts(child), item)))
        elif namespace in MRSS and local == "thumbnail":
            url = _url(child, "url", base)
            if url:
                thumbnails.append(_image(url, (item,)))
        elif local == "enclosure" and namespace in ("", *_ENTRY_NS):
            if (child.get("type") or "").strip().lower().startswith("image/"):
                url = _url(child, "url", base)
                if url:
                    found.append(_image(url, (item,)))
        elif local == "link" and namespace in _ATOM and (child.get("rel") or "").strip() == "enclosure":
            if (child.get("type") or "").strip().lower().startswith("image/"):
                url = _url(child, "href", base)
                if url:
                    found.append(_image(url, (item,)))
    return merge_images(found or thumbnails)[:MAX_IMAGES]


def merge_images(images: Iterable[Image]) -> tuple[Image, ...]:
    """One image per URL, in first-seen order; a later mention fills in what an earlier one lacked
    (a feed that names its picture as an enclosure and again as a described media:content)."""
    merged: dict[str, Image] = {}
    for image in images:
        seen = merged.get(image.url)
        if seen is None:
            merged[image.url] = image
        else:
            merged[image.url] = Image(
                url=seen.url, caption=seen.caption or image.caption,
                credit=seen.credit or image.credit, alt=seen.alt or image.alt,
            )
    return tuple(merged.values())


def document_images(data: bytes, *, url: str) -> list[tuple[Image, ...]] | None:
    """The pictures of every entry of the document, in document order; None when it cannot be read."""
    try:
        root = etree.fromstring(data, SAFE_PARSER, base_url=url)
    except (etree.XMLSyntaxError, ValueError):
        return None
    if root is None:
        return None
    entries = []
    for element in root.iter("{*}item", "{*}entry"):
        namespace, _ = _split(element.tag)
        if namespace in _ENTRY_NS:
            entries.append(element)
    return [entry_images(entry, url) for entry in entries]

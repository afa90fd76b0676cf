"""Title, author, date and lead image of an article page, from its meta tags and JSON-LD.

Cheap on purpose: one pass over ``<meta>`` elements and at most a few JSON-LD scripts of
the tree the extractor parses anyway (trafilatura's own metadata pass, through htmldate,
costs about as much as the text extraction itself).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin, urlsplit

from lxml.etree import XPath
from lxml.html import HtmlElement

from wiredesk.ingest.formats.fields import parse_datetime

_ARTICLE_TYPES = {
    "article", "newsarticle", "reportagenewsarticle", "analysisnewsarticle", "blogposting",
    "report", "webpage", "opinionnewsarticle", "backgroundnewsarticle", "liveblogposting",
}
_TITLE_KEYS = ("og:title", "twitter:title", "dc.title", "headline")
_AUTHOR_KEYS = ("author", "article:author", "parsely-author", "dc.creator", "sailthru.author", "byl")
_DATE_KEYS = (
    "article:published_time", "og:article:published_time", "datepublished", "pubdate",
    "publishdate", "publish-date", "dc.date.issued", "dcterms.created", "dc.date",
    "parsely-pub-date", "sailthru.date", "date",
)
_DESCRIPTION_KEYS = ("description", "og:description", "twitter:description", "dc.description")
_IMAGE_KEYS = ("og:image", "og:image:url", "og:image:secure_url", "twitter:image", "twitter:image:src")
_MAX_JSONLD_SCRIPTS = 5
_MAX_JSONLD_CHARS = 200_000


@dataclass(frozen=True)
class PageMeta:
    title: str = ""
    author: str = ""
    published: dt.datetime | None = None
    image: str = ""
    descriptions: tuple[str, ...] = ()


def _clean(value: Any) -> str:
    return " ".join(value.split()) if isinstance(value, str) else ""


def _metas(tree: HtmlElement) -> dict[str, str]:
    found: dict[str, str] = {}
    for meta in tree.iter("meta"):
        key = (meta.get("property") or meta.get("name") or meta.get("itemprop") or "").strip().lower()
        content = _clean(meta.get("content"))
        if key and content and key not in found:
            found[key] = content
    return found


def _article_objects(value: Any, depth: int = 0):
    if depth > 4:
        return
    if isinstance(value, list):
        for element in value:
            yield from _article_objects(element, depth + 1)
    elif isinstance(value, dict):
        kinds = value.get("@type")
        kinds = kinds if isinstance(kinds, list) else [kinds]
        if any(isinstance(k, str) and k.lower() in _ARTICLE_TYPES for k in kinds):
            yield value
        if "@graph" in value:
            yield from _article_objects(value["@graph"], depth + 1)


# Selected by libxml2 rather than by a Python test of every script of the page.
_JSONLD_SCRIPTS = XPath(
    "//script[translate(normalize-space(@type), 'APLICTONDJS', 'aplictondjs') = 'application/ld+json']"
)


def _jsonld_article(tree: HtmlElement) -> dict:
    scripts = 0
    for script in _JSONLD_SCRIPTS(tree):
        scripts += 1
        if scripts > _MAX_JSONLD_SCRIPTS:
            break
        text = script.text or ""
        if len(text) > _MAX_JSONLD_CHARS:
            continue
        try:
            data = json.loads(text)
        except (ValueError, RecursionError):
            continue
        for article in _article_objects(data):
            return article
    return {}


def _jsonld_author(article: dict) -> str:
    authors = article.get("author")
    authors = authors if isinstance(authors, list) else [authors]
    names = [_clean(a.get("name")) if isinstance(a, dict) else _clean(a) for a in authors]
    return ", ".join(n for n in names if n and not n.startswith("http"))


def _first_text(tree: HtmlElement, tag: str) -> str:
    element = next(tree.iter(tag), None)
    return _clean(element.text_content()) if element is not None else ""


def _absolute_http(base: str, value: str) -> str:
    try:
        url = urljoin(base, value)
        return url if urlsplit(url).scheme in ("http", "https") else ""
    except ValueError:
        return ""


def page_metadata(tree: HtmlElement, *, url: str) -> PageMeta:
    """Read the page's own statements about title, author, publication date and image."""
    metas = _metas(tree)
    title = next((metas[k] for k in _TITLE_KEYS if metas.get(k)), "")
    author = next((metas[k] for k in _AUTHOR_KEYS if metas.get(k) and not metas[k].startswith("http")), "")
    published = None
    for raw in [metas.get(k) for k in _DATE_KEYS]:
        published = parse_datetime(raw) if raw else None
        if published:
            break
    # JSON-LD only for what the meta tags left open (parsing it can cost more than the rest).
    article = _jsonld_article(tree) if not (title and author and published) else {}
    title = title or _clean(article.get("headline")) or _first_text(tree, "h1") or _first_text(tree, "title")
    author = author or _jsonld_author(article)
    if published is None and article.get("datePublished"):
        published = parse_datetime(article.get("datePublished"))
    if published is None:
        for element in tree.iter("time"):
            published = parse_datetime(element.get("datetime"))
            if published:
                break
    image = next((metas[k] for k in _IMAGE_KEYS if metas.get(k)), "")
    descriptions = tuple(dict.fromkeys(metas[k][:2000] for k in _DESCRIPTION_KEYS if metas.get(k)))
    return PageMeta(
        descriptions=descriptions,
        title=title[:1000],
        author=author[:200],
        published=published,
        image=_absolute_http(url, image) if image else "",
    )

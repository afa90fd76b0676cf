"""Feeds out: RSS 2.0, Atom and JSON Feed 1.1 per brand and per section.

Items are the brand's newest 50 stories (of one section for section feeds). Full-text
sources give their sanitized body with the closing credit their licence asks for;
excerpt-only sources give the stored excerpt and a link to the original. Every item carries
the host-independent GUID of ``wiredesk.web.seo.article_guid`` (``isPermaLink="false"``).

All feeds go through ``cached_page``: cached per brand and path for the current content
generation, with an ETag, Last-Modified (the newest item change) and 304s.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.syndication.views import Feed
from django.http import Http404, HttpResponse
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed
from django.utils.html import escape

from wiredesk.core.sections import SECTION_NAMES
from wiredesk.stories.models import Article
from wiredesk.stories.places import in_section_q
from wiredesk.text.chars import xml_safe_all
from wiredesk.web.caching import cached_page
from wiredesk.web.seo import (
    article_guid,
    article_modified,
    article_path,
    json_dumps_html_safe,
    shown_articles,
    w3c,
)
from wiredesk.text.leads import teaser_text

ITEMS = 50
JSON_FEED_TYPE = "application/feed+json; charset=utf-8"


# --- what a feed holds --------------------------------------------------------------------

@dataclass
class Scope:
    """One feed request: the brand, the section (or None) and its items, links made absolute."""

    request: object
    brand: object
    section: str | None
    articles: list[Article] = field(default_factory=list)

    @property
    def title(self) -> str:
        name = self.brand.name
        return f"{name}: {SECTION_NAMES.get(self.section, self.section.title())}" if self.section else name

    @property
    def description(self) -> str:
        if self.section:
            return f"The newest {SECTION_NAMES.get(self.section, self.section).lower()} stories from {self.brand.name}."
        return self.brand.tagline or f"The newest stories from {self.brand.name}."

    @property
    def home_path(self) -> str:
        return reverse("section", args=[self.section]) if self.section else reverse("home")

    @property
    def feed_id(self) -> str:
        tail = f"/section-{self.section}" if self.section else ""
        return f"tag:wiredesk,2026:brand-{self.brand.id}{tail}"

    @property
    def last_modified(self) -> float:
        """The newest change among the items, as a POSIX time (0 for an empty feed)."""
        return max((a.changed_at.timestamp() for a in self.articles), default=0)

    def absolute(self, path: str) -> str:
        return self.request.build_absolute_uri(path)


def feed_scope(request, section: str | None = None) -> Scope:
    brand = request.brand
    if section is not None and section not in brand.section_list:
        raise Http404("This site has no such section.")
    qs = shown_articles(brand)
    if section is not None:
        qs = qs.filter(in_section_q(brand, section))
    scope = Scope(request=request, brand=brand, section=section)
    scope.articles = list(qs.order_by("-published_at", "-id")[:ITEMS])
    for a in scope.articles:
        a.feed_link = scope.absolute(article_path(a))  # items see only themselves in the framework
    return scope


def closing_credit(a: Article) -> str:
    """The attribution shown at the end of the story (as on the article page)."""
    return a.source.closing_credit or (f"({a.credit_tag})" if a.credit_tag else f"({a.source.credit})")


def item_html(a: Article) -> str:
    """The body a feed carries: sanitized full text, or the excerpt and a link to the original."""
    parts = [a.body_html]
    if a.excerpt_only and a.canonical_url:
        parts.append(
            f'<p><a href="{escape(a.canonical_url)}" rel="noopener noreferrer">'
            f"Read the whole story at {escape(a.source.credit)}</a></p>"
        )
    parts.append(f"<p>{escape(closing_credit(a))}</p>")
    return "\n".join(parts)


def item_author(a: Article) -> str:
    return a.author or a.source.credit


def item_image(a: Article) -> str | None:
    # Excerpt-only licences do not cover the source's pictures (the article page omits them too).
    if a.excerpt_only or not a.images:
        return None
    return a.images[0].get("url") or None


# --- RSS and Atom ---------------------------------------------------------------------------

class _XmlSafe:
    """A feed writer that leaves out the characters XML 1.0 refuses, whatever a row holds.

    Ingest removes them (text.chars); this keeps a row stored before it did, or a name typed
    into the admin, from making the feed fail (Django's writer raises on a control character).
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*xml_safe_all(args), **xml_safe_all(kwargs))

    def add_item(self, *args, **kwargs):
        super().add_item(*xml_safe_all(args), **xml_safe_all(kwargs))


class SafeRss(_XmlSafe, Rss201rev2Feed):
    pass


class SafeAtom(_XmlSafe, Atom1Feed):
    pass


class _WireFeed(Feed):
    """The syndication framework, fed from a Scope, answered through the page cache."""

    feed_type = SafeRss
    section_feed = False
    item_guid_is_permalink = False

    def __init__(self) -> None:
        super().__init__()
        self._view = cached_page(self._render)

    def __call__(self, request, *args, **kwargs):
        return self._view(request, *args, **kwargs)

    def _render(self, request, section: str | None = None):
        scope = self.get_object(request, section)
        feed = self.get_feed(scope, request)
        response = HttpResponse(content_type=feed.content_type)
        feed.write(response, "utf-8")
        response.last_modified_ts = scope.last_modified
        return response

    def get_object(self, request, section: str | None = None):
        return feed_scope(request, section if self.section_feed else None)

    def get_feed(self, obj, request):
        feed = super().get_feed(obj, request)
        feed.feed["language"] = obj.brand.language or "en"
        return feed

    def items(self, obj):
        return obj.articles

    def title(self, obj):
        return obj.title

    def link(self, obj):
        return obj.absolute(obj.home_path)

    def feed_url(self, obj):
        return obj.absolute(obj.request.path)

    def description(self, obj):
        return obj.description

    def subtitle(self, obj):
        return obj.description

    def feed_guid(self, obj):
        return obj.feed_id

    def item_title(self, item):
        # Plain text, escaped once by the XML writer. Django's default escapes it a second
        # time, which readers that take an RSS title as text (RSS 2.0 says it is) show as
        # "&#x27;"; a title is plain text in all three feeds.
        return item.title

    def item_description(self, item):
        return item_html(item)

    def item_link(self, item):
        return item.feed_link

    def item_guid(self, item):
        return article_guid(item)

    def item_pubdate(self, item):
        return item.published_at

    def item_updateddate(self, item):
        return article_modified(item)

    def item_author_name(self, item):
        return item_author(item)

    def item_categories(self, item):
        return [SECTION_NAMES.get(item.section, item.section.title())]


class BrandRss(_WireFeed):
    pass


class BrandAtom(_WireFeed):
    feed_type = SafeAtom


class SectionRss(BrandRss):
    section_feed = True


class SectionAtom(BrandAtom):
    section_feed = True


# --- JSON Feed 1.1 --------------------------------------------------------------------------

def json_feed_document(scope: Scope) -> dict:
    brand = scope.brand
    doc = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": scope.title,
        "home_page_url": scope.absolute(scope.home_path),
        "feed_url": scope.absolute(scope.request.path),
        "description": scope.description,
        "language": brand.language or "en",
        "authors": [{"name": brand.name, "url": scope.absolute(reverse("home"))}],
        "items": [],
    }
    if brand.logo:
        doc["icon"] = scope.absolute(brand.logo.url)
    for a in scope.articles:
        item = {
            "id": article_guid(a),
            "url": a.feed_link,
            "title": a.title,
            "content_html": item_html(a),
            "summary": teaser_text(lead_raw=a.lead_raw, lead_text=a.lead_text),
            "date_published": w3c(a.published_at),
            "date_modified": w3c(article_modified(a)),
            "authors": [{"name": item_author(a)}],
            "tags": [SECTION_NAMES.get(a.section, a.section.title())],
        }
        if a.canonical_url:
            item["external_url"] = a.canonical_url
        image = item_image(a)
        if image:
            item["image"] = scope.absolute(image) if image.startswith("/") else image
        if a.language:
            item["language"] = a.language
        doc["items"].append(item)
    return doc


def _json_feed(request, section: str | None):
    scope = feed_scope(request, section)
    # < > & as \u escapes: the same JSON, and nothing a sniffing browser could run. Strings
    # without the characters no document may hold, like the XML feeds (a lone surrogate
    # could not even be encoded).
    body = json_dumps_html_safe(xml_safe_all(json_feed_document(scope)), indent=1)
    response = HttpResponse(body.encode("utf-8"), content_type=JSON_FEED_TYPE)
    response.last_modified_ts = scope.last_modified
    return response


@cached_page
def brand_json_feed(request):
    return _json_feed(request, None)


@cached_page
def section_json_feed(request, section):
    return _json_feed(request, section)

"""Sitemaps and robots.txt, and the small facts about an article that feeds and meta tags share.

Identity: an article's GUID in every feed we publish is a tag URI (RFC 4151) made of the
day it was first stored and its id, ``tag:wiredesk,2026-11-19:article-42``. Neither changes
after the row is written, and neither involves a host name, a port or a brand, so feed
readers keep their read state when a site moves to another domain or gains one.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from xml.sax.saxutils import escape

from django.db.models import CharField, Func
from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.xmlutils import SimplerXMLGenerator

from wiredesk.core.sections import SECTIONS
from wiredesk.stories.models import Article
from wiredesk.stories.places import in_section_q
from wiredesk.stories.selectors import articles_visible
from wiredesk.text.chars import xml_safe
from wiredesk.web.caching import cached_page
from wiredesk.web.views.fronts import PER_PAGE

UTC = dt.timezone.utc
SITEMAP_MAX_URLS = 50_000  # the sitemap protocol's limit for one file
NEWS_WINDOW = dt.timedelta(hours=48)  # Google News sitemaps list the last two days only
NEWS_MAX_URLS = 1_000  # and at most a thousand stories
SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
NEWS_NS = "http://www.google.com/schemas/sitemap-news/0.9"
XML_TYPE = "application/xml; charset=utf-8"


# --- shared facts -------------------------------------------------------------------------

def article_guid(article: Article) -> str:
    """The stable, host-independent identity of an article in feeds (not a link)."""
    first_seen = article.first_seen_at.astimezone(UTC).date().isoformat()
    return f"tag:wiredesk,{first_seen}:article-{article.id}"


# The escapes of django.utils.html.json_script: nothing in the JSON can close a <script>
# element, open a comment or start an entity, wherever the JSON ends up.
_JSON_HTML_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


def json_dumps_html_safe(data, **kwargs) -> str:
    """JSON text with ``<``, ``>`` and ``&`` written as \\u escapes (still the same JSON)."""
    return json.dumps(data, ensure_ascii=False, **kwargs).translate(_JSON_HTML_ESCAPES)


def article_path(article: Article) -> str:
    return reverse("article", args=[article.id, article.slug])


def article_modified(article: Article) -> dt.datetime:
    """When the story last changed: the wire's update time, or when a new version (the source's
    update or an editor's correction) replaced the one readers saw. Not ``changed_at``: a move
    to another story, a kill undone or a flag changes nothing readers see."""
    times = [article.published_at]
    if article.updated_at:
        times.append(article.updated_at)
    if article.revised_at:  # a visible change (the source's update or an editor's correction)
        times.append(article.revised_at)
    return max(times)


def w3c(value: dt.datetime) -> str:
    """A W3C datetime in UTC, to the second: 2026-11-19T08:30:00+00:00."""
    return value.astimezone(UTC).replace(microsecond=0).isoformat()


def shown_articles(brand):
    """What the brand publishes: its visible articles (filed in sections that have pages)."""
    return articles_visible(brand=brand).filter(section__in=SECTIONS)


# --- sitemaps -----------------------------------------------------------------------------

def _xml_response(write, *, last_modified: dt.datetime | None) -> HttpResponse:
    out = io.StringIO()
    xml = SimplerXMLGenerator(out, "utf-8", short_empty_elements=True)
    xml.startDocument()
    write(xml)
    xml.endDocument()
    response = HttpResponse(out.getvalue(), content_type=XML_TYPE)
    if last_modified is not None:
        response.last_modified_ts = last_modified.timestamp()
    return response


class W3CTime(Func):
    """A UTC datetime column as a W3C timestamp string, formatted by the database: 50,000
    sitemap rows skip building a Python datetime each only to print it again."""

    output_field = CharField()
    # A query parameter, not SQL text: a literal "%" in the SQL breaks Django's debug cursor,
    # which interpolates the parameters into the statement with Python's % to log it.
    SQLITE_FORMAT = "%Y-%m-%dT%H:%M:%S+00:00"

    def as_sqlite(self, compiler, connection, **extra):
        sql, params = self.as_sql(compiler, connection, template="strftime(%%s, %(expressions)s)")
        return sql, (self.SQLITE_FORMAT, *params)

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(compiler, connection,
                           template="""to_char(%(expressions)s AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"+00:00"')""")


def _section_lastmods(qs, brand, sections: list[str], *, per_page: int) -> dict[str, dt.datetime]:
    """When each section's first page last changed: the newest change among its newest
    stories. One indexed read per section, where a grouped maximum reads every story."""
    found = {}
    for section in sections:
        changed = qs.filter(in_section_q(brand, section)).order_by("-published_at", "-id").values_list("changed_at", flat=True)
        newest = max(changed[:per_page], default=None)
        if newest is not None:
            found[section] = newest
    return found


@cached_page
def sitemap(request):
    """The brand's home, its sections and its newest articles (at most 50,000 URLs in all).

    Written as text rather than through the XML generator: with 50,000 addresses the
    generator's calls were most of the response's cost."""
    brand = request.brand
    origin = request.build_absolute_uri("/").rstrip("/")
    sections = brand.section_list
    qs = shown_articles(brand)
    newest_by_section = _section_lastmods(qs, brand, sections, per_page=PER_PAGE)
    rows = list(
        qs.order_by("-published_at", "-id").annotate(stamp=W3CTime("changed_at")).values_list("id", "slug", "stamp")[
            : SITEMAP_MAX_URLS - 1 - len(sections)
        ]
    )
    newest = max(newest_by_section.values(), default=None)
    # reverse() costs ~15 us; 50,000 of them would dominate the response, so the article
    # address is reversed once with markers and filled in (ids are digits, slugs ASCII).
    head, _, rest = escape(origin + reverse("article", args=[987654321, "slug-marker"])).partition("987654321")
    middle, _, tail = rest.partition("slug-marker")

    def entry(loc: str, stamp: str) -> str:
        return f"<url><loc>{loc}</loc><lastmod>{stamp}</lastmod></url>" if stamp else f"<url><loc>{loc}</loc></url>"

    parts = [f'<?xml version="1.0" encoding="utf-8"?>\n<urlset xmlns="{SITEMAP_NS}">',
             entry(escape(origin + reverse("home")), w3c(newest) if newest else "")]
    for section in sections:
        lastmod = newest_by_section.get(section)
        parts.append(entry(escape(origin + reverse("section", args=[section])), w3c(lastmod) if lastmod else ""))
    parts.extend(entry(f"{head}{article_id}{middle}{escape(slug)}{tail}", stamp) for article_id, slug, stamp in rows)
    parts.append("</urlset>")
    response = HttpResponse("".join(parts), content_type=XML_TYPE)
    # The stamps share one UTC format, so the greatest string is the latest change.
    times = [*newest_by_section.values(), *([dt.datetime.fromisoformat(max(r[2] for r in rows))] if rows else [])]
    if times:
        response.last_modified_ts = max(times).timestamp()
    return response


@cached_page
def news_sitemap(request):
    """Articles published in the last 48 hours, with the Google News tags."""
    brand = request.brand
    origin = request.build_absolute_uri("/").rstrip("/")
    since = timezone.now() - NEWS_WINDOW
    articles = list(
        shown_articles(brand)
        .filter(published_at__gte=since)
        .order_by("-published_at", "-id")
        .prefetch_related(None)
        .only("id", "slug", "title", "published_at", "changed_at")[:NEWS_MAX_URLS]
    )
    language = (brand.language or "en").lower()

    def write(xml):
        xml.startElement("urlset", {"xmlns": SITEMAP_NS, "xmlns:news": NEWS_NS})
        for a in articles:
            xml.startElement("url", {})
            xml.addQuickElement("loc", origin + article_path(a))
            xml.startElement("news:news", {})
            xml.startElement("news:publication", {})
            xml.addQuickElement("news:name", xml_safe(brand.name))
            xml.addQuickElement("news:language", language)
            xml.endElement("news:publication")
            xml.addQuickElement("news:publication_date", w3c(a.published_at))
            # Ingest removes what XML refuses; a row stored before it did must not fail here.
            xml.addQuickElement("news:title", xml_safe(a.title))
            xml.endElement("news:news")
            xml.endElement("url")
        xml.endElement("urlset")

    return _xml_response(write, last_modified=max((a.changed_at for a in articles), default=None))


def robots_txt(request):
    """Everything may be crawled but the admin and search results; both sitemaps are listed.

    Not page-cached: the sitemap addresses are those of the host asked, and a brand may answer
    on several hosts.
    """
    lines = [
        "User-agent: *",
        "Allow: /",
        "Disallow: /admin/",
        f"Disallow: {reverse('search')}",
        "",
        f"Sitemap: {request.build_absolute_uri(reverse('sitemap'))}",
        f"Sitemap: {request.build_absolute_uri(reverse('news-sitemap'))}",
        "",
    ]
    response = HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8")
    response["Cache-Control"] = "public, max-age=3600"
    response["Vary"] = "Host"
    return response

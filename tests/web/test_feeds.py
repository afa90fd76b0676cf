"""Feeds out: RSS, Atom and JSON Feed per brand and per section, read back with feedparser."""

from __future__ import annotations

import datetime as dt
import hashlib
import html
import itertools
import json
import re

import feedparser
import pytest
from django.core.cache import cache
from django.utils import timezone

from wiredesk.brands.models import Brand, BrandSource
from wiredesk.sources.models import Source
from wiredesk.stories.models import Article
from wiredesk.web.seo import article_guid
from tests.caches import clear_caches

pytestmark = pytest.mark.django_db

UTC = dt.timezone.utc
HOST = "testserver"
XSS = '<script>alert("feed")</script> Fish & chips <img src=x onerror=alert(1)>'
GUID_RE = re.compile(r"^tag:wiredesk,\d{4}-\d{2}-\d{2}:article-\d+$")
_seq = itertools.count(1)


# --- factories (shared with test_seo.py) ------------------------------------------------------



def make_source(name: str = "Harbour Wire", **fields) -> Source:
    n = next(_seq)
    fields.setdefault("credit", name)
    return Source.objects.create(
        name=name, feed_url=f"https://wire{n}.example/feed.xml", home_url=f"https://wire{n}.example/", **fields
    )


def make_brand(name: str = "Port Ellis Courier", hosts=(HOST,), sources=(), **fields) -> Brand:
    brand = Brand.objects.create(name=name, hosts=list(hosts), **fields)
    for source in sources:
        BrandSource.objects.create(brand=brand, source=source)
    return brand


def make_article(source: Source, title: str = "Harbour board approves new ferry berth", *, age=None, **fields) -> Article:
    """One stored article, written directly (the fields ingest would have filled)."""
    n = next(_seq)
    published = fields.pop("published_at", None) or timezone.now() - (age or dt.timedelta(minutes=n))
    body = fields.pop("body_html", f"<p>PORT ELLIS, Westmark: {html.escape(title)}. More words follow here.</p>")
    values = dict(
        guid=f"urn:test:{n}", guid_key=hashlib.sha256(f"urn:test:{n}".encode()).hexdigest(),
        canonical_url=f"https://{source.host}/news/{n}", slug=f"story-{n}", title=title, body_html=body,
        lead_text=f"PORT ELLIS, Westmark: {title}. More words follow here.", lead_raw="PORT ELLIS, Westmark:",
        lead_kind="dateline", dateline_place="PORT ELLIS", place_slug="port-ellis", published_at=published, section="world",
        language="en", fingerprint=f"fp{n}", raw_hash=f"raw{n}",
    )
    values.update(fields)
    return Article.objects.create(source=source, **values)


def newest(brand_articles) -> list[Article]:
    return sorted(brand_articles, key=lambda a: (a.published_at, a.id), reverse=True)


def get(client, path: str, host: str = HOST, **extra):
    return client.get(path, HTTP_HOST=host, **extra)


def parse(response):
    assert response.status_code == 200, response.content[:300]
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.get("bozo_exception")
    return feed


def article_link(a: Article, host: str = HOST) -> str:
    return f"http://{host}/story/{a.id}-{a.slug}/"


@pytest.fixture
def site():
    """A brand with three stories of its own, one story of another brand and one duplicate."""
    wire = make_source("Harbour Wire")
    other_wire = make_source("Inland Wire")
    brand = make_brand(sources=[wire], tagline="News from the quays")
    make_brand("Inland Herald", hosts=["inland.example"], sources=[other_wire])
    stories = [
        make_article(wire, "Harbour board approves new ferry berth", section="world", author="Mara Quill",
                     images=[{"url": "https://img.example/berth.jpg", "caption": "The quay", "credit": ""}]),
        make_article(wire, "Chip plant hires two hundred technicians", section="business"),
        make_article(wire, "Rowers brave the cold at dawn regatta", section="sports"),
    ]
    make_article(other_wire, "Inland story not carried here")
    make_article(wire, "A duplicate copy", duplicate_of=stories[0])
    return brand, wire, newest(stories)


# --- RSS ----------------------------------------------------------------------------------------

def test_rss_round_trips_the_brands_stories(client, site):
    brand, wire, stories = site
    response = get(client, "/feeds/rss.xml")
    assert response["Content-Type"] == "application/rss+xml; charset=utf-8"
    feed = parse(response)

    assert feed.version == "rss20"
    assert feed.feed.title == "Port Ellis Courier"
    assert feed.feed.link == f"http://{HOST}/"
    assert feed.feed.subtitle == "News from the quays"
    assert feed.feed.language == "en"
    assert [e.id for e in feed.entries] == [article_guid(a) for a in stories]
    assert all(GUID_RE.match(e.id) and not e.guidislink for e in feed.entries)
    assert [e.title for e in feed.entries] == [a.title for a in stories]
    assert [e.link for e in feed.entries] == [article_link(a) for a in stories]
    for entry, a in zip(feed.entries, stories):
        assert dt.datetime(*entry.published_parsed[:6], tzinfo=UTC) == a.published_at.replace(microsecond=0)
        assert entry.author == (a.author or "Harbour Wire")
        assert [t.term for t in entry.tags] == [{"world": "World", "business": "Business", "sports": "Sports"}[a.section]]
        assert a.body_html in entry.description
        assert entry.description.rstrip().endswith("<p>(Harbour Wire)</p>")
    raw = response.content.decode()
    assert raw.count('isPermaLink="false"') == 3


def test_guid_is_tag_uri_from_first_seen_day_and_id(site):
    _, _, stories = site
    a = stories[0]
    assert article_guid(a) == f"tag:wiredesk,{a.first_seen_at.astimezone(UTC):%Y-%m-%d}:article-{a.id}"


def test_feed_carries_the_newest_fifty(client):
    wire = make_source()
    make_brand(sources=[wire])
    base = timezone.now()
    stored = [make_article(wire, f"Story number {i}", published_at=base - dt.timedelta(minutes=i)) for i in range(55)]
    feed = parse(get(client, "/feeds/rss.xml"))
    assert [e.id for e in feed.entries] == [article_guid(a) for a in stored[:50]]
    assert len(parse(get(client, "/feeds/atom.xml")).entries) == 50
    assert len(json.loads(get(client, "/feeds/feed.json").content)["items"]) == 50


def test_brand_feed_leaves_out_sections_the_brand_does_not_show(client):
    wire = make_source()
    make_brand(sources=[wire], sections=["world", "business"])
    shown = make_article(wire, "Shown story", section="business")
    make_article(wire, "Hidden sports story", section="sports")
    feed = parse(get(client, "/feeds/rss.xml"))
    assert [e.id for e in feed.entries] == [article_guid(shown)]


def test_empty_brand_has_a_valid_empty_feed(client):
    make_brand(sources=[make_source()])
    for path in ("/feeds/rss.xml", "/feeds/atom.xml"):
        response = get(client, path)
        assert parse(response).entries == []
    assert json.loads(get(client, "/feeds/feed.json").content)["items"] == []


# --- Atom ---------------------------------------------------------------------------------------

def test_atom_round_trips_the_brands_stories(client, site):
    brand, wire, stories = site
    response = get(client, "/feeds/atom.xml")
    assert response["Content-Type"] == "application/atom+xml; charset=utf-8"
    feed = parse(response)

    assert feed.version == "atom10"
    assert feed.feed.title == "Port Ellis Courier"
    assert feed.feed.id == f"tag:wiredesk,2026:brand-{brand.id}"
    assert [e.id for e in feed.entries] == [article_guid(a) for a in stories]
    assert [e.title for e in feed.entries] == [a.title for a in stories]
    assert [e.link for e in feed.entries] == [article_link(a) for a in stories]
    for entry, a in zip(feed.entries, stories):
        assert entry.title_detail.type == "text/plain"
        assert dt.datetime(*entry.updated_parsed[:6], tzinfo=UTC) == a.published_at.replace(microsecond=0)
        assert a.body_html in entry.summary
        assert entry.author == (a.author or "Harbour Wire")


def test_updated_story_carries_its_update_time(client):
    wire = make_source()
    make_brand(sources=[wire])
    published = timezone.now().replace(microsecond=0) - dt.timedelta(hours=3)
    a = make_article(wire, published_at=published, updated_at=published + dt.timedelta(hours=1))
    entry = parse(get(client, "/feeds/atom.xml")).entries[0]
    assert dt.datetime(*entry.published_parsed[:6], tzinfo=UTC) == a.published_at
    assert dt.datetime(*entry.updated_parsed[:6], tzinfo=UTC) == a.updated_at
    item = json.loads(get(client, "/feeds/feed.json").content)["items"][0]
    assert dt.datetime.fromisoformat(item["date_modified"]) == a.updated_at


# --- sections -----------------------------------------------------------------------------------

def test_section_feeds_hold_only_their_section(client, site):
    brand, wire, stories = site
    business = [a for a in stories if a.section == "business"]
    for path in ("/section/business/rss.xml", "/section/business/atom.xml"):
        feed = parse(get(client, path))
        assert feed.feed.title == "Port Ellis Courier: Business"
        assert feed.feed.link == f"http://{HOST}/section/business/"
        assert [e.id for e in feed.entries] == [article_guid(a) for a in business]
    doc = json.loads(get(client, "/section/business/feed.json").content)
    assert doc["title"] == "Port Ellis Courier: Business"
    assert [i["id"] for i in doc["items"]] == [article_guid(a) for a in business]
    assert parse(get(client, "/section/business/atom.xml")).feed.id == f"tag:wiredesk,2026:brand-{brand.id}/section-business"


def test_section_feeds_404_for_sections_the_brand_does_not_show(client):
    wire = make_source()
    make_brand(sources=[wire], sections=["world", "business"])
    make_article(wire, "Sports story", section="sports")
    for kind in ("rss.xml", "atom.xml", "feed.json"):
        assert get(client, f"/section/sports/{kind}").status_code == 404
        assert get(client, f"/section/world/{kind}").status_code == 200


# --- identity -----------------------------------------------------------------------------------

def test_guids_survive_a_second_request_a_port_and_a_new_host(client, site):
    brand, wire, stories = site
    expected = [article_guid(a) for a in stories]
    for path in ("/feeds/rss.xml", "/feeds/atom.xml"):
        assert [e.id for e in parse(get(client, path)).entries] == expected
        assert [e.id for e in parse(get(client, path)).entries] == expected  # second request
    json_ids = [i["id"] for i in json.loads(get(client, "/feeds/feed.json").content)["items"]]
    assert json_ids == expected

    brand.hosts = [HOST, "courier.example"]
    brand.save()
    clear_caches()  # the brand host map and the page cache (a new deploy would start empty too)
    for host in ("courier.example", "courier.example:8443", "testserver:8000"):
        clear_caches()
        for path in ("/feeds/rss.xml", "/feeds/atom.xml"):
            feed = parse(get(client, path, host=host))
            assert [e.id for e in feed.entries] == expected
            assert [e.link for e in feed.entries] == [article_link(a, host) for a in stories]
        doc = json.loads(get(client, "/feeds/feed.json", host=host).content)
        assert [i["id"] for i in doc["items"]] == expected
        assert doc["items"][0]["url"] == article_link(stories[0], host)


def test_guid_does_not_change_when_the_story_is_revised(client, site):
    _, _, stories = site
    before = [e.id for e in parse(get(client, "/feeds/rss.xml")).entries]
    a = stories[0]
    a.title, a.revision = "Harbour board approves new ferry berth, work to start in spring", 2
    a.save()
    clear_caches()
    feed = parse(get(client, "/feeds/rss.xml"))
    assert [e.id for e in feed.entries] == before
    assert feed.entries[0].title == a.title


# --- JSON Feed ----------------------------------------------------------------------------------

def test_json_feed_is_structurally_valid(client, site):
    brand, wire, stories = site
    response = get(client, "/feeds/feed.json")
    assert response["Content-Type"] == "application/feed+json; charset=utf-8"
    doc = json.loads(response.content)

    assert doc["version"] == "https://jsonfeed.org/version/1.1"
    assert doc["title"] == "Port Ellis Courier"
    assert doc["home_page_url"] == f"http://{HOST}/"
    assert doc["feed_url"] == f"http://{HOST}/feeds/feed.json"
    assert doc["language"] == "en"
    assert doc["authors"] == [{"name": "Port Ellis Courier", "url": f"http://{HOST}/"}]
    assert isinstance(doc["items"], list) and len(doc["items"]) == 3
    for item, a in zip(doc["items"], stories):
        assert set(item) >= {"id", "url", "title", "content_html", "date_published", "date_modified", "authors", "tags"}
        assert isinstance(item["id"], str) and item["id"] == article_guid(a)
        assert item["url"] == article_link(a)
        assert item["external_url"] == a.canonical_url
        assert item["title"] == a.title
        assert a.body_html in item["content_html"]
        assert item["summary"].startswith("PORT ELLIS, Westmark:")
        assert dt.datetime.fromisoformat(item["date_published"]) == a.published_at.replace(microsecond=0)
        assert item["authors"] == [{"name": a.author or "Harbour Wire"}]
        assert item["language"] == "en"
        assert all(isinstance(v, str) for v in item["tags"])
    with_image = next(i for i, a in zip(doc["items"], stories) if a.images)
    assert with_image["image"] == "https://img.example/berth.jpg"
    assert sum("image" in i for i in doc["items"]) == 1


# --- licence ------------------------------------------------------------------------------------

def test_excerpt_only_story_carries_the_excerpt_and_a_link_to_the_original(client):
    wire = make_source("Meridian", licence=Source.Licence.EXCERPT, closing_credit="(Meridian)")
    make_brand(sources=[wire])
    a = make_article(wire, "Excerpted story", excerpt_only=True, body_html="<p>The first lines only...</p>",
                     images=[{"url": "https://img.example/x.jpg", "caption": "", "credit": ""}])
    for path in ("/feeds/rss.xml", "/feeds/atom.xml"):
        entry = parse(get(client, path)).entries[0]
        assert "<p>The first lines only...</p>" in entry.summary
        assert f'href="{a.canonical_url}"' in entry.summary
        assert "Read the whole story at Meridian" in entry.summary
        assert "(Meridian)" in entry.summary
    item = json.loads(get(client, "/feeds/feed.json").content)["items"][0]
    assert "Read the whole story at Meridian" in item["content_html"]
    assert "image" not in item  # the licence covers the words, not the pictures


# --- escaping -----------------------------------------------------------------------------------

def test_xss_title_is_never_unescaped(client):
    wire = make_source("Harbour <b>Wire</b>")
    make_brand(name="Courier <script>x</script>", sources=[wire])
    a = make_article(wire, XSS, body_html="<p>Fish &amp; chips &lt;script&gt;alert(2)&lt;/script&gt;</p>")
    for path in ("/feeds/rss.xml", "/feeds/atom.xml", "/feeds/feed.json", "/section/world/rss.xml"):
        raw = get(client, path).content.decode()
        assert "<script" not in raw and "<img" not in raw and "<b>" not in raw, path

    rss = parse(get(client, "/feeds/rss.xml"))
    entry = rss.entries[0]
    # A title is plain text escaped once by the XML writer (issue 10: never "&amp;lt;").
    assert entry.title_detail.type == "text/plain" and entry.title == XSS
    assert rss.feed.title == "Courier <script>x</script>"  # a plain-text channel title, XML-escaped

    atom = parse(get(client, "/feeds/atom.xml")).entries[0]
    assert atom.title_detail.type == "text/plain" and atom.title == XSS
    assert "&lt;script&gt;alert(2)" in atom.summary  # the sanitized body's own escapes are kept

    item = json.loads(get(client, "/feeds/feed.json").content)["items"][0]
    assert item["title"] == XSS
    assert item["id"] == article_guid(a)


# --- caching ------------------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/feeds/rss.xml", "/feeds/atom.xml", "/feeds/feed.json", "/section/world/atom.xml"])
def test_conditional_get_answers_304(client, site, path):
    first = get(client, path)
    assert first.status_code == 200
    assert first["ETag"] and first["Last-Modified"] and "public" in first["Cache-Control"]

    by_etag = get(client, path, HTTP_IF_NONE_MATCH=first["ETag"])
    assert by_etag.status_code == 304 and by_etag.content == b""
    by_date = get(client, path, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
    assert by_date.status_code == 304
    assert get(client, path, HTTP_IF_NONE_MATCH='"something-else"').status_code == 200


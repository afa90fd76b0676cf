"""Search engines and sharing: sitemaps, robots.txt, OpenGraph, Twitter card, JSON-LD, canonical."""

from __future__ import annotations

import datetime as dt
import json
import re
import xml.etree.ElementTree as ET

import lxml.html
import pytest
from django.core.cache import cache
from django.utils import timezone

from tests.loopback import LoopbackServer, Reply
from tests.web.test_feeds import HOST, XSS, article_link, get, make_article, make_brand, make_source
from wiredesk.core.http import GuardedClient
from wiredesk.ingest.services import source_refresh
from wiredesk.stories.models import Article
from wiredesk.web import seo
from tests.caches import clear_caches

pytestmark = pytest.mark.django_db

UTC = dt.timezone.utc
SM = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
NEWS = "{http://www.google.com/schemas/sitemap-news/0.9}"
W3C_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+00:00$")



def xml_of(response) -> ET.Element:
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"] == "application/xml; charset=utf-8"
    return ET.fromstring(response.content)


def locs(root: ET.Element) -> list[str]:
    return [u.findtext(f"{SM}loc") for u in root.findall(f"{SM}url")]


# --- sitemap.xml --------------------------------------------------------------------------------

def test_sitemap_lists_home_sections_and_the_brands_articles(client):
    wire, other = make_source(), make_source("Inland Wire")
    make_brand(sources=[wire], sections=["world", "business"])
    make_brand("Inland Herald", hosts=["inland.example"], sources=[other])
    world = make_article(wire, "World story", section="world")
    business = make_article(wire, "Business story", section="business")
    make_article(wire, "Sports story the brand does not show", section="sports")
    make_article(other, "Another brand's story")
    make_article(wire, "Duplicate", duplicate_of=world)

    root = xml_of(get(client, "/sitemap.xml"))
    assert root.tag == f"{SM}urlset"
    assert locs(root) == [
        f"http://{HOST}/",
        f"http://{HOST}/section/world/",
        f"http://{HOST}/section/business/",
        article_link(world),
        article_link(business),
    ]
    lastmods = [u.findtext(f"{SM}lastmod") for u in root.findall(f"{SM}url")]
    assert all(W3C_RE.match(m) for m in lastmods)
    assert lastmods[3] == world.changed_at.astimezone(UTC).replace(microsecond=0).isoformat()
    assert lastmods[0] == max(world.changed_at, business.changed_at).astimezone(UTC).replace(microsecond=0).isoformat()


def test_sitemap_section_without_stories_has_no_lastmod(client):
    make_brand(sources=[make_source()], sections=["world"])
    root = xml_of(get(client, "/sitemap.xml"))
    assert locs(root) == [f"http://{HOST}/", f"http://{HOST}/section/world/"]
    assert all(u.find(f"{SM}lastmod") is None for u in root.findall(f"{SM}url"))


def test_sitemap_is_capped(client, monkeypatch):
    monkeypatch.setattr(seo, "SITEMAP_MAX_URLS", 10)
    wire = make_source()
    make_brand(sources=[wire], sections=["world", "business"])
    base = timezone.now()
    stored = [make_article(wire, f"Story {i}", published_at=base - dt.timedelta(minutes=i)) for i in range(12)]
    urls = locs(xml_of(get(client, "/sitemap.xml")))
    assert len(urls) == 10
    assert urls[3:] == [article_link(a) for a in stored[:7]]  # the newest articles win


def test_sitemap_uses_the_host_asked(client):
    wire = make_source()
    brand = make_brand(sources=[wire])
    a = make_article(wire)
    brand.hosts = [HOST, "courier.example"]
    brand.save()
    clear_caches()
    urls = locs(xml_of(get(client, "/sitemap.xml", host="courier.example")))
    assert urls[0] == "http://courier.example/" and article_link(a, "courier.example") in urls


# --- news sitemap -------------------------------------------------------------------------------

def test_news_sitemap_holds_the_last_48_hours_with_news_tags(client):
    wire = make_source()
    make_brand(sources=[wire], language="en-GB")
    now = timezone.now()
    fresh = make_article(wire, "One hour old", published_at=now - dt.timedelta(hours=1))
    edge = make_article(wire, "Forty-seven hours old", published_at=now - dt.timedelta(hours=47))
    make_article(wire, "Forty-nine hours old", published_at=now - dt.timedelta(hours=49))
    make_article(wire, "Three days old", published_at=now - dt.timedelta(days=3))

    response = get(client, "/news-sitemap.xml")
    raw = response.content.decode()
    assert 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"' in raw
    assert 'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"' in raw
    root = xml_of(response)
    assert root.tag == f"{SM}urlset"
    assert locs(root) == [article_link(fresh), article_link(edge)]
    for url, a in zip(root.findall(f"{SM}url"), [fresh, edge]):
        news = url.find(f"{NEWS}news")
        assert news is not None
        assert news.findtext(f"{NEWS}publication/{NEWS}name") == "Port Ellis Courier"
        assert news.findtext(f"{NEWS}publication/{NEWS}language") == "en-gb"
        published = news.findtext(f"{NEWS}publication_date")
        assert W3C_RE.match(published)
        assert dt.datetime.fromisoformat(published) == a.published_at.replace(microsecond=0)
        assert news.findtext(f"{NEWS}title") == a.title
        assert url.find(f"{SM}lastmod") is None


def test_news_sitemap_escapes_titles_and_leaves_out_other_brands(client):
    wire, other = make_source(), make_source("Inland Wire")
    make_brand(name="Courier & <Co>", sources=[wire])
    make_brand("Inland Herald", hosts=["inland.example"], sources=[other])
    a = make_article(wire, XSS)
    make_article(other, "Not carried here")
    response = get(client, "/news-sitemap.xml")
    assert "<script" not in response.content.decode() and "<img" not in response.content.decode()
    root = xml_of(response)
    assert locs(root) == [article_link(a)]
    assert root.findtext(f"{SM}url/{NEWS}news/{NEWS}title") == XSS
    assert root.findtext(f"{SM}url/{NEWS}news/{NEWS}publication/{NEWS}name") == "Courier & <Co>"


def test_empty_news_sitemap_is_a_valid_urlset(client):
    make_brand(sources=[make_source()])
    root = xml_of(get(client, "/news-sitemap.xml"))
    assert root.tag == f"{SM}urlset" and list(root) == []


# --- robots.txt ---------------------------------------------------------------------------------

def test_robots_txt(client):
    make_brand(sources=[make_source()])
    response = get(client, "/robots.txt")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    lines = response.content.decode().splitlines()
    assert lines[:4] == ["User-agent: *", "Allow: /", "Disallow: /admin/", "Disallow: /search/"]
    assert [line for line in lines if line.startswith("Sitemap:")] == [
        f"Sitemap: http://{HOST}/sitemap.xml",
        f"Sitemap: http://{HOST}/news-sitemap.xml",
    ]


def test_robots_txt_names_the_host_asked(client):
    brand = make_brand(sources=[make_source()])
    brand.hosts = [HOST, "courier.example"]
    brand.save()
    clear_caches()
    assert "Sitemap: http://testserver:8000/sitemap.xml" in get(client, "/robots.txt", host="testserver:8000").content.decode()
    body = get(client, "/robots.txt", host="courier.example", secure=True).content.decode()
    assert "Sitemap: https://courier.example/news-sitemap.xml" in body
    assert "testserver" not in body


# --- article page meta --------------------------------------------------------------------------

def page(client, a: Article, host: str = HOST):
    response = get(client, f"/story/{a.id}-{a.slug}/", host=host)
    assert response.status_code == 200, response.content[:300]
    return response.content.decode(), lxml.html.fromstring(response.content)


def meta(doc, key: str) -> list[str]:
    return doc.xpath(f'//head/meta[@property="{key}" or @name="{key}"]/@content')


def json_ld(html_text: str) -> dict:
    blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html_text, re.S)
    assert len(blocks) == 1
    return json.loads(blocks[0])


def test_news_article_json_ld_field_by_field(client):
    wire = make_source("Harbour Wire")
    brand = make_brand(sources=[wire], logo="brands/courier.png")
    published = dt.datetime(2026, 11, 19, 8, 30, tzinfo=UTC)
    a = make_article(
        wire, "Harbour board approves new ferry berth", author="Mara Quill", section="business",
        published_at=published, updated_at=published + dt.timedelta(hours=2),
        canonical_url="https://wire.example/news/berth",
        images=[{"url": "https://img.example/1.jpg", "caption": "The quay", "credit": "A. Snap"},
                {"url": "https://img.example/2.jpg", "caption": "", "credit": ""}],
    )
    text, doc = page(client, a)
    data = json_ld(text)
    url = article_link(a)
    assert data["@context"] == "https://schema.org"
    assert data["@type"] == "NewsArticle"
    assert data["headline"] == a.title
    assert data["datePublished"] == "2026-11-19T08:30:00+00:00"
    assert data["dateModified"] == "2026-11-19T10:30:00+00:00"
    assert data["author"] == [{"@type": "Person", "name": "Mara Quill"}]
    assert data["publisher"] == {
        "@type": "Organization", "name": brand.name, "url": f"http://{HOST}/",
        "logo": {"@type": "ImageObject", "url": f"http://{HOST}/media/brands/courier.png"},
    }
    assert data["isBasedOn"] == "https://wire.example/news/berth"
    assert data["contentLocation"] == {"@type": "Place", "name": "PORT ELLIS"}
    assert data["mainEntityOfPage"] == {"@type": "WebPage", "@id": url}
    assert data["url"] == url
    assert data["image"] == ["https://img.example/1.jpg", "https://img.example/2.jpg"]
    assert data["articleSection"] == "Business"
    assert data["inLanguage"] == "en"
    assert data["description"].startswith("PORT ELLIS, Westmark:")


def test_json_ld_without_author_image_or_dateline(client):
    wire = make_source("Harbour Wire")
    make_brand(sources=[wire])
    a = make_article(wire, "Plain story", dateline_place="", lead_raw="", lead_kind="none", canonical_url="")
    data = json_ld(page(client, a)[0])
    assert data["author"] == [{"@type": "Organization", "name": "Harbour Wire", "url": wire.home_url}]
    assert data["publisher"] == {"@type": "Organization", "name": "Port Ellis Courier", "url": f"http://{HOST}/"}
    assert "contentLocation" not in data and "image" not in data and "isBasedOn" not in data


def test_opengraph_and_twitter_card_with_an_image(client):
    wire = make_source()
    make_brand(sources=[wire])
    a = make_article(wire, "Harbour board approves new ferry berth",
                     images=[{"url": "https://img.example/1.jpg", "caption": "The quay", "credit": ""}])
    _, doc = page(client, a)
    assert meta(doc, "og:type") == ["article"]
    assert meta(doc, "og:title") == [a.title]
    assert meta(doc, "og:description")[0].startswith("PORT ELLIS, Westmark: Harbour board")
    assert meta(doc, "og:url") == [article_link(a)]
    assert meta(doc, "og:site_name") == ["Port Ellis Courier"]
    assert meta(doc, "og:image") == ["https://img.example/1.jpg"]
    assert meta(doc, "og:image:alt") == ["The quay"]
    published = meta(doc, "article:published_time")
    assert published == [a.published_at.astimezone(UTC).replace(microsecond=0).isoformat()]
    assert meta(doc, "article:section") == ["World"]
    assert meta(doc, "twitter:card") == ["summary_large_image"]
    assert meta(doc, "twitter:title") == [a.title]
    assert meta(doc, "twitter:image") == ["https://img.example/1.jpg"]


def test_card_without_an_image_is_summary(client):
    wire = make_source()
    make_brand(sources=[wire])
    _, doc = page(client, make_article(wire))
    assert meta(doc, "twitter:card") == ["summary"]
    assert meta(doc, "og:image") == [] and meta(doc, "twitter:image") == []


def test_excerpt_only_story_shares_no_image(client):
    wire = make_source(licence="excerpt")
    make_brand(sources=[wire])
    a = make_article(wire, excerpt_only=True, images=[{"url": "https://img.example/1.jpg", "caption": "", "credit": ""}])
    text, doc = page(client, a)
    assert meta(doc, "og:image") == [] and meta(doc, "twitter:card") == ["summary"]
    assert "image" not in json_ld(text)


def test_canonical_is_the_brand_url_by_default(client):
    wire = make_source()
    make_brand(sources=[wire])
    a = make_article(wire, canonical_url="https://wire.example/news/original")
    _, doc = page(client, a)
    assert doc.xpath('//head/link[@rel="canonical"]/@href') == [article_link(a)]


def test_canonical_points_at_the_original_when_the_source_asks(client):
    wire = make_source(canonical_to_original=True)
    make_brand(sources=[wire])
    a = make_article(wire, canonical_url="https://wire.example/news/original?id=7&amp=1")
    text, doc = page(client, a)
    assert doc.xpath('//head/link[@rel="canonical"]/@href') == ["https://wire.example/news/original?id=7&amp=1"]
    assert meta(doc, "og:url") == [article_link(a)]  # sharing still names this site's page
    assert json_ld(text)["isBasedOn"] == "https://wire.example/news/original?id=7&amp=1"


def test_xss_title_is_never_unescaped_in_meta_or_json_ld(client):
    wire = make_source("Wire <b>x</b>")
    make_brand(name="Courier </script><script>alert(3)</script>", sources=[wire])
    title = XSS + " </script><!-- ]]>"
    a = make_article(wire, title, dateline_place="</script>PLACE")
    text, doc = page(client, a)
    assert "<script>alert" not in text and "</script><script>" not in text
    assert "<img src=x" not in text and "<!-- ]]>" not in text
    # Every script element on the page is the one JSON-LD data block.
    assert [s.get("type") for s in doc.xpath("//script")] == ["application/ld+json"]
    assert meta(doc, "og:title") == [title] and meta(doc, "twitter:title") == [title]
    data = json_ld(text)
    assert data["headline"] == title
    assert data["contentLocation"]["name"] == "</script>PLACE"
    assert data["publisher"]["name"] == "Courier </script><script>alert(3)</script>"
    assert data["author"][0]["name"] == "Wire <b>x</b>"


# --- end to end: wire copy ingested by the pipeline, out through the brand ----------------------

WIRE_FEED = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">
<channel><title>Quayside Ledger</title><link>https://ledger.example/</link><description>d</description>
<item><guid>ledger-1</guid><title>Harbour board approves new ferry berth</title>
<link>{base}/news/berth?utm_source=feed&amp;id=1</link><author>desk@ledger.example (Mara Quill)</author>
<pubDate>{published}</pubDate>
<content:encoded><![CDATA[<p>PORT ELLIS, Westmark: The harbour board voted on Wednesday to build a second ferry berth at the
north quay, ending two years of argument over where the island boats should dock.</p>
<p>Work is due to start in the spring.</p>]]></content:encoded></item>
</channel></rss>"""


def test_ingested_story_reaches_feeds_sitemaps_and_json_ld(client):
    now = timezone.now().replace(microsecond=0)
    with LoopbackServer() as srv:
        base = srv.url("").rstrip("/")
        body = WIRE_FEED.format(base=base, published=(now - dt.timedelta(hours=2)).strftime("%a, %d %b %Y %H:%M:%S +0000"))
        srv.route("/feed.xml", lambda req: Reply(200, body, {"Content-Type": "application/rss+xml; charset=utf-8"}))
        source = make_source("Quayside Ledger", canonical_to_original=True)
        source.feed_url = srv.url("/feed.xml")
        source.save()
        make_brand(sources=[source])
        client_ = GuardedClient(allow_networks=("127.0.0.1/32",), deadline=5, connect_timeout=2)
        report = source_refresh(source_id=source.id, client=client_, now=now)
    assert report.new == 1, report
    a = Article.objects.get()
    clear_caches()

    text, doc = page(client, a)
    data = json_ld(text)
    assert data["isBasedOn"] == f"{base}/news/berth?id=1" == a.canonical_url
    assert data["contentLocation"] == {"@type": "Place", "name": "PORT ELLIS"}
    assert data["headline"] == "Harbour board approves new ferry berth"
    assert doc.xpath('//head/link[@rel="canonical"]/@href') == [a.canonical_url]

    assert article_link(a) in locs(xml_of(get(client, "/sitemap.xml")))
    assert locs(xml_of(get(client, "/news-sitemap.xml"))) == [article_link(a)]


def test_news_sitemap_cut_off_is_exactly_48_hours(client, monkeypatch):
    fixed = dt.datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
    monkeypatch.setattr(seo.timezone, "now", lambda: fixed)
    wire = make_source()
    make_brand(sources=[wire])
    on_the_edge = make_article(wire, "Exactly two days old", published_at=fixed - dt.timedelta(hours=48))
    make_article(wire, "A second too old", published_at=fixed - dt.timedelta(hours=48, seconds=1))
    assert locs(xml_of(get(client, "/news-sitemap.xml"))) == [article_link(on_the_edge)]

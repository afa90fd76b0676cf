"""Wire photos reach the article page with the caption, credit and text alternative their feed gave.

Feeds are served on loopback and refreshed through the real pipeline; the page is read as
HTML, so the test sees what a reader (and a screen reader) gets.
"""

from __future__ import annotations

import datetime as dt
from xml.sax.saxutils import escape

import lxml.html
import pytest
from django.utils import timezone

from tests.loopback import LoopbackServer, Reply
from tests.web.factories import get, make_brand
from wiredesk.core.http import GuardedClient
from wiredesk.demo.server import DemoWireServer
from wiredesk.demo.services import demo_load
from wiredesk.demo.stories import WIRES
from wiredesk.ingest.services import source_refresh
from wiredesk.sources.models import Source
from wiredesk.stories.models import Article

pytestmark = pytest.mark.django_db

HOST = "harbour.test"
NOW = dt.datetime(2026, 3, 2, 12, 0, tzinfo=dt.timezone.utc)
BODY = "<p>NORDHAVN: The story itself, long enough to be a story and not a caption.</p><p>A second paragraph.</p>"
RSS_NS = 'xmlns:media="http://search.yahoo.com/mrss/" xmlns:content="http://purl.org/rss/1.0/modules/content/"'

# (media markup of the item, expected img src, alt, caption, credit); {img} is the picture's URL.
CASES = {
    "title, description and credit on the content": (
        '<media:content url="{img}" medium="image"><media:title>Net lofts at dusk</media:title>'
        '<media:description>The old net lofts on Sild Street, lit for the winter market.</media:description>'
        '<media:credit role="photographer">Oda Berge</media:credit></media:content>',
        "{img}", "Net lofts at dusk", "The old net lofts on Sild Street, lit for the winter market.", "Oda Berge",
    ),
    "a typed description beside its credit (the shape of the demo wires)": (
        '<media:content url="{img}" type="image/png" medium="image" width="480" height="270">'
        '<media:description type="plain">Divers check the hull of the stranded trawler.</media:description>'
        "<media:credit>Nils Aune/Nordhavn Wire</media:credit></media:content>",
        "{img}", "Divers check the hull of the stranded trawler.", "Divers check the hull of the stranded trawler.",
        "Nils Aune/Nordhavn Wire",
    ),
    "a group of sizes described once": (
        '<media:group><media:content url="{img}?w=200" medium="image" width="200" height="100"/>'
        '<media:content url="{img}" medium="image" width="1200" height="600"/>'
        "<media:description>Ice floes in the inner harbour.</media:description>"
        "<media:credit>Oda Berge</media:credit><media:credit>Nordhavn Wire</media:credit></media:group>",
        "{img}", "Ice floes in the inner harbour.", "Ice floes in the inner harbour.", "Oda Berge, Nordhavn Wire",
    ),
    "a bare enclosure": (
        '<enclosure url="{img}" type="image/jpeg" length="1000"/>',
        "{img}", "Harbour story", "", "",
    ),
}


def rss_item(media: str, img: str) -> str:
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0" {RSS_NS}><channel><title>Nordhavn Wire</title>'
            f"<link>https://nordhavn.example/</link><description>d</description>"
            f'<item><title>Harbour story</title><link>https://nordhavn.example/s/1</link><guid isPermaLink="false">n-1</guid>'
            f"<pubDate>Mon, 02 Mar 2026 08:00:00 GMT</pubDate><description>A summary.</description>"
            f"<content:encoded><![CDATA[{BODY}]]></content:encoded>{media.format(img=img)}</item></channel></rss>")


def atom_entry(media: str, img: str) -> str:
    media = media.format(img=img).replace("<enclosure url=", '<link rel="enclosure" href=')
    return (f'<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom" '
            f'xmlns:media="http://search.yahoo.com/mrss/"><title>Nordhavn Wire</title><id>tag:nordhavn.example,2026:f</id>'
            f"<updated>2026-03-02T08:00:00Z</updated><entry><id>tag:nordhavn.example,2026:1</id><title>Harbour story</title>"
            f'<link href="https://nordhavn.example/s/1"/><published>2026-03-02T08:00:00Z</published>'
            f'<content type="html">{escape(BODY)}</content>{media}</entry></feed>')


@pytest.fixture
def client_http():
    return GuardedClient(allow_networks=("127.0.0.1/32",), deadline=5, connect_timeout=2)


def lead_figure(client, article: Article):
    doc = lxml.html.fromstring(get(client, f"/story/{article.id}-{article.slug}/", HOST).content)
    (figure,) = doc.xpath('//figure[@class="lead-image"]')
    return figure


@pytest.mark.parametrize("shape", ["rss", "atom"])
@pytest.mark.parametrize("case", list(CASES))
def test_feed_pictures_reach_the_page_with_caption_credit_and_alt(client, client_http, case, shape):
    media, src, alt, caption, credit = CASES[case]
    img = "https://img.nordhavn.example/photo.jpg"
    feed = (rss_item if shape == "rss" else atom_entry)(media, img)
    with LoopbackServer() as srv:
        srv.route("/feed.xml", lambda req: Reply(200, feed, {"Content-Type": "application/xml; charset=utf-8"}))
        wire = Source.objects.create(name="Nordhavn Wire", credit="Nordhavn Wire", feed_url=srv.url("/feed.xml"))
        make_brand("Harbour Herald", [HOST], sources=[wire])
        assert source_refresh(source_id=wire.id, client=client_http, now=NOW).new == 1
    article = Article.objects.get()
    figure = lead_figure(client, article)
    (image,) = figure.xpath(".//img")
    assert image.get("src") == src.format(img=img)
    assert image.get("alt") == alt and alt  # never empty: a news photo is not decoration
    captions = figure.xpath(".//figcaption")
    if caption or credit:
        (figcaption,) = captions
        assert figcaption.text_content().split() == f"{caption} {credit}".split()
        assert [c.text_content() for c in figcaption.xpath('.//*[@class="photo-credit"]')] == ([credit] if credit else [])
    else:
        assert not captions


def test_demo_wires_store_every_picture_with_its_caption_and_credit(client, client_http, settings):
    # The figure: 0 of 16 stored wire pictures had a caption. The RSS, Atom and
    # summary-only RSS demo wires all say who took each picture and what it shows.
    with DemoWireServer(port=0, interval=3600, initial=12) as srv:
        demo_load(wires_url=srv.url(""))
        keys = [key for key, wire in WIRES.items() if wire.format != "jsonfeed"]
        for key in keys:
            source = Source.objects.get(feed_url=srv.url(WIRES[key].feed_path))
            assert source_refresh(source_id=source.id, client=client_http, now=timezone.now()).status == "ok"
    pictures = [
        (a, image) for a in Article.objects.select_related("source").exclude(images=[]) for image in a.images
    ]
    assert len(pictures) >= 12
    assert all(image["caption"] and image["credit"] and image["alt"] for _, image in pictures), [
        (a.source.name, image) for a, image in pictures if not (image["caption"] and image["credit"])
    ]
    # And a reader sees them: a Harbour Wire story (RSS, the picture beside the text).
    harbour = next(a for a, _ in pictures if a.source.name == "Harbour Wire")
    make_brand("Harbour Herald", [HOST], sources=[harbour.source])
    figure = lead_figure(client, harbour)
    assert figure.xpath(".//img")[0].get("alt") == harbour.images[0]["alt"]
    assert harbour.images[0]["caption"] in figure.xpath(".//figcaption")[0].text_content()

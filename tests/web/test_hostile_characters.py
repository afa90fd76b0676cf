"""Any characters in any field of an incoming item: every output still renders, well-formed.

Items are generated with arbitrary Unicode in every field a feed can fill (C0 and C1 controls,
NUL, U+FFFE/U+FFFF and other noncharacters, lone surrogates where JSON can carry them as
``\\ud800`` escapes, character references such as ``&#1;`` inside escaped HTML, and very long
strings), served as a JSON Feed and an RSS document by a real HTTP server on loopback, and
ingested through ``source_refresh``. Then every output that shows them is requested: the
article page, the lists, RSS, Atom and JSON Feed of the brand and of each section, both
sitemaps, a search for a word of a title, and the daily email in HTML and text. Each must
answer 200, parse strictly (XML without recovery, JSON, HTML by the WHATWG algorithm) and hold
none of the characters XML 1.0 and HTML refuse. A U+0001 in a story used to make the feeds
answer 500.
"""

from __future__ import annotations

import json
import re
from xml.sax.saxutils import escape

import html5lib
import lxml.etree
import pytest
from django.utils import timezone
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from tests.caches import clear_caches
from tests.loopback import LoopbackServer, Reply
from tests.text.test_chars import refused
from tests.web.factories import make_brand, make_source
from tests.web.test_feeds import make_article
from wiredesk.core.http import GuardedClient
from wiredesk.digest.render import preview_parts
from wiredesk.ingest.services import source_refresh
from wiredesk.stories.models import Article

pytestmark = [pytest.mark.django_db, pytest.mark.timeout(240)]

HOST = "harbour.test"
SECTIONS = ["world", "business", "sports", "technology", "local", "photo"]
EDGES = [
    *map(chr, range(0x00, 0x20)), "\x7f", *map(chr, range(0x80, 0xA0)), "\ufdd0", "\ufffe", "\uffff",
    "\U0001fffe", "\U0010ffff", "\ufeff", "\u2028", "\ud800", "\udfff",
]
REFERENCES = ["&#1;", "&#x0C;", "&#0;", "&#x80;", "&#x9F;", "&#127;", "&#xFFFE;", "&#xD800;", "&#x1F;", "&#11"]
MARKUP = ["<p>", "</p>", "<b>", "&amp;", "&lt;", " ", "\n\n", "<figure><img src=x.png><figcaption>", "WELLINGTON, NZ:"]
PIECE = st.one_of(
    st.text(st.characters(exclude_categories=()), max_size=12),
    st.text(st.characters(codec="ascii", categories=["L"]), min_size=1, max_size=10),
    st.sampled_from(EDGES), st.sampled_from(REFERENCES), st.sampled_from(MARKUP),
)
SHORT = st.lists(PIECE, max_size=10).map("".join)
FIELD = st.one_of(SHORT, SHORT, SHORT, st.tuples(SHORT, st.integers(20, 200)).map(lambda t: (t[0] + " ") * t[1]))
ITEM = st.fixed_dictionaries({
    "id": FIELD, "title": FIELD, "body": FIELD, "summary": FIELD, "author": FIELD, "tag": FIELD,
    "language": SHORT, "slug": SHORT, "caption": FIELD, "credit": FIELD, "section": st.sampled_from(SECTIONS),
})
STRICT = lxml.etree.XMLParser(recover=False, resolve_entities=False, huge_tree=True)


def json_feed(base: str, items: list[dict]) -> bytes:
    """A JSON Feed with the strings as generated; ensure_ascii writes lone surrogates as escapes."""
    return json.dumps({
        "version": "https://jsonfeed.org/version/1.1", "title": "Quayside Ledger", "home_page_url": base + "/",
        "items": [{
            "id": i["id"], "url": f"{base}/news/{i['slug']}", "title": i["title"],
            "content_html": i["body"], "summary": i["summary"], "authors": [{"name": i["author"]}],
            "tags": [i["tag"], i["section"]], "language": i["language"], "image": f"{base}/img/{i['slug']}.png",
        } for i in items],
    }, ensure_ascii=True).encode("ascii")


def xml_text(value: str) -> str:
    """What RSS can carry: the characters XML allows, escaped; the rest as HTML references."""
    return escape("".join(ch if not refused(ch) else f"&#{ord(ch)};" for ch in value))


def rss_feed(base: str, items: list[dict]) -> bytes:
    """RSS 2.0 with the strings in escaped HTML, where a reference like &#1; is what they can be."""
    entries = "".join(
        f"<item><guid isPermaLink=\"false\">{xml_text(i['id'])}</guid><link>{base}/rss/{xml_text(i['slug'])}</link>"
        f"<title>{xml_text(i['title'])}</title><description>{xml_text(i['body'])}</description>"
        f"<author>{xml_text(i['author'])}</author><category>{xml_text(i['tag'])}</category>"
        f"<category>{i['section']}</category>"
        f'<media:content url="{base}/img/{xml_text(i["slug"])}.png" medium="image">'
        f'<media:description type="plain">{xml_text(i["caption"])}</media:description>'
        f"<media:credit>{xml_text(i['credit'])}</media:credit></media:content></item>"
        for i in items
    )
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/">'
            f"<channel><title>Tidewater Wire</title><link>{base}/</link>{entries}</channel></rss>").encode()


@pytest.fixture
def wires():
    clear_caches()
    with LoopbackServer() as srv:
        ledger = make_source("Quayside Ledger", fetch_full_text=False)
        tidewater = make_source("Tidewater Wire", fetch_full_text=False, licence="excerpt")
        for source, path in ((ledger, "/feed.json"), (tidewater, "/rss.xml")):
            source.feed_url = srv.url(path)
            source.save()
        brand = make_brand("Harbour Herald", [HOST], sources=[ledger, tidewater], sections=SECTIONS)
        yield srv, brand, ledger, tidewater
    clear_caches()


# The test's own rule (tests/text/test_chars.py), compiled once: pages run to megabytes.
REFUSED = re.compile("[" + "".join(re.escape(chr(c)) for c in range(0x110000) if refused(chr(c))) + "]")


def assert_clean_text(what: str, text: str) -> None:
    bad = sorted({f"U+{ord(ch):04X}" for ch in REFUSED.findall(text)})
    assert not bad, (what, bad)


def check(client, path: str, kind: str) -> str:
    # A copy stored as a duplicate of another story redirects to it.
    response = client.get(path, HTTP_HOST=HOST, follow=True)
    assert response.status_code == 200, (path, response.status_code)
    text = response.content.decode("utf-8")
    assert_clean_text(path, text)
    if kind == "xml":
        lxml.etree.fromstring(response.content, STRICT)
    elif kind == "json":
        json.loads(text)
    else:
        parser = html5lib.HTMLParser(namespaceHTMLElements=False)
        parser.parse(text)
        codepoints = [e for e in parser.errors if "codepoint" in e[1] or "null" in e[1].lower()]
        assert not codepoints, (path, codepoints)
    return text


def outputs(articles: list[Article]) -> list[tuple[str, str]]:
    paths = [("/", "html"), ("/feeds/rss.xml", "xml"), ("/feeds/atom.xml", "xml"), ("/feeds/feed.json", "json"),
             ("/sitemap.xml", "xml"), ("/news-sitemap.xml", "xml")]
    for section in sorted({a.section for a in articles}):
        paths += [(f"/section/{section}/", "html"), (f"/section/{section}/rss.xml", "xml"),
                  (f"/section/{section}/atom.xml", "xml"), (f"/section/{section}/feed.json", "json")]
    for a in articles:
        paths += [(f"/story/{a.id}-{a.slug}/", "html"), (f"/source/{a.source_id}/", "html")]
        if a.place_slug:
            paths.append((f"/place/{a.place_slug}/", "html"))
        word = re.search(r"[A-Za-z]{3,}", a.title)
        if word:
            paths.append((f"/search/?q={word.group()}", "html"))
    return list(dict.fromkeys(paths))


# Each example ingests two feeds and reads some forty responses: shrinking a failure would take
# minutes, so a failure is reported as found (still with every field's value).
@settings(max_examples=25, deadline=None, phases=[Phase.explicit, Phase.reuse, Phase.generate],
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.data_too_large])
@given(items=st.lists(ITEM, min_size=1, max_size=3))
def test_any_characters_in_any_field_leave_every_output_well_formed(client, wires, items):
    srv, brand, ledger, tidewater = wires
    base = srv.url("").rstrip("/")
    # Distinct items keep distinct identities whatever the generated text: two ids that differ
    # only by refused characters, or are both empty, would be one item by the identity rule
    # (tests/ingest/test_refresh_identity.py), and then fewer stories than items are stored.
    items = [{**item, "id": f"item-{n}:{item['id']}"} for n, item in enumerate(items)]
    srv.route("/feed.json", lambda req: Reply(200, json_feed(base, items), {"Content-Type": "application/feed+json"}))
    srv.route("/rss.xml", lambda req: Reply(200, rss_feed(base, items), {"Content-Type": "application/rss+xml"}))
    http = GuardedClient(allow_networks=("127.0.0.1/32",), deadline=10, connect_timeout=2)
    try:
        for source in (ledger, tidewater):
            report = source_refresh(source_id=source.id, client=http, now=timezone.now())
            # Every item is stored: a character is never a reason to lose a story.
            assert report.status == "ok" and report.failed_items == 0, report.as_dict()
            assert report.new + report.updated + report.unchanged == len(items), report.as_dict()
        clear_caches()
        articles = list(Article.objects.all())
        for path, kind in outputs(articles):
            check(client, path, kind)
        parts = preview_parts(brand, timezone.now())  # the daily email, as the sender renders it
        assert parts is not None
        for name in ("subject", "html", "text"):
            assert_clean_text(f"email {name}", getattr(parts, name))
        parser = html5lib.HTMLParser(namespaceHTMLElements=False)
        parser.parse(parts.html)
        assert not [e for e in parser.errors if "codepoint" in e[1]]
    finally:
        Article.objects.all().delete()
        clear_caches()


def test_a_row_stored_before_ingest_cleaned_it_cannot_fail_a_feed(client, wires):
    """Rows already in a database from before: the writers leave the characters out, never 500."""
    _, brand, ledger, _ = wires
    dirty = "Ferry\x01 berth approved\x0c\ufffe"
    make_article(ledger, dirty, author="Mara\x02 Quill", body_html="<p>Work\x0b starts\x1f soon.</p>")
    brand.name = "Harbour\x07 Herald"  # the admin's own fields too
    brand.save()
    clear_caches()
    for path, kind in [("/feeds/rss.xml", "xml"), ("/feeds/atom.xml", "xml"), ("/feeds/feed.json", "json"),
                       ("/section/world/rss.xml", "xml"), ("/section/world/atom.xml", "xml"),
                       ("/section/world/feed.json", "json"), ("/news-sitemap.xml", "xml")]:
        assert "Ferry berth approved" in check(client, path, kind), path
    check(client, "/sitemap.xml", "xml")

"""A story's title is plain text in every feed, escaped once: it reads back as the page's headline.

RSS used to escape titles twice (Django's default), so readers that take an RSS title as text
(as RSS 2.0 defines it) showed ``&#x27;``. Titles are generated: ampersands, angle brackets,
quotes and text that looks like entities or markup, which is where escaping goes wrong.
"""

from __future__ import annotations

import json

import feedparser
import lxml.etree
import lxml.html
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tests.caches import clear_caches
from tests.web.test_feeds import get, make_article, make_brand, make_source
from wiredesk.web.seo import article_guid

pytestmark = pytest.mark.django_db

TRICKY = st.sampled_from([
    "&", "<", ">", "'", '"', "&amp;", "&amp;amp;", "&#39;", "&#x27;", "&lt;b&gt;", "<b>bold</b>", "</p>",
    "&copy;", "&nbsp;", "&foo;", "AT&T", "]]>", "<!--", "-->", "<![CDATA[", "&#0;", "\\", "%s", "{{ x }}",
])
WORDS = st.text(alphabet=st.characters(codec="utf-8", categories=["L", "N", "P", "S", "Zs"]), min_size=1, max_size=12)
# What ingest stores: one line of plain text, whitespace collapsed, never empty.
TITLES = st.lists(st.one_of(TRICKY, WORDS), min_size=1, max_size=8).map(" ".join).map(lambda t: " ".join(t.split())) \
    .filter(bool)
STRICT = lxml.etree.XMLParser(recover=False, resolve_entities=False)


@pytest.fixture
def wire():
    source = make_source("Harbour Wire")
    make_brand(sources=[source])
    return source


def headline(client, article) -> str:
    page = get(client, f"/story/{article.id}-{article.slug}/")
    assert page.status_code == 200
    return lxml.html.fromstring(page.content).get_element_by_id("headline").text_content()


def entry_of(feed, guid: str):
    return next(e for e in feed.entries if e.id == guid)


def feedparser_repairs(title: str) -> bool:
    """Whether feedparser rewrites this text on purpose: text that is all Latin-1 and also valid
    UTF-8 it takes for mojibake and decodes again ("\u00c2\u00a1" becomes "\u00a1")."""
    try:
        return title.encode("iso-8859-1").decode("utf-8") != title
    except (UnicodeEncodeError, UnicodeDecodeError):
        return False


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(title=TITLES)
@example(title="Fish & chips at the quay's end")
@example(title="&amp; \u00c2\u00a1 <b>bold</b> &#x27;")  # feedparser's own repairs and HTML guess
def test_titles_read_back_as_the_headline_in_every_feed(client, wire, title):
    article = make_article(wire, title)
    clear_caches()
    try:
        assert headline(client, article) == title
        guid = article_guid(article)
        for path in ("/feeds/rss.xml", "/section/world/rss.xml"):
            body = get(client, path).content
            # What a reader that takes the RSS title as text shows: the XML text, escaped once.
            item = next(i for i in lxml.etree.fromstring(body, STRICT).iter("item") if i.findtext("guid") == guid)
            assert item.findtext("title") == title, path
            entry = entry_of(feedparser.parse(body), guid)
            # feedparser guesses: an RSS title that looks like HTML (a known tag, an entity) it reads
            # as HTML. What it reads as text must be the headline exactly.
            if entry.title_detail.type == "text/plain" and not feedparser_repairs(title):
                assert entry.title == title, path
        for path in ("/feeds/atom.xml", "/section/world/atom.xml"):
            body = get(client, path).content
            atom = "{http://www.w3.org/2005/Atom}"
            found = next(e for e in lxml.etree.fromstring(body, STRICT).iter(f"{atom}entry") if e.findtext(f"{atom}id") == guid)
            assert found.findtext(f"{atom}title") == title and found.find(f"{atom}title").get("type") in (None, "text")
            entry = entry_of(feedparser.parse(body), guid)
            assert entry.title_detail.type == "text/plain", path
            if not feedparser_repairs(title):
                assert entry.title == title, path
        for path in ("/feeds/feed.json", "/section/world/feed.json"):  # (feedparser 6 reads no JSON Feed)
            item = next(i for i in json.loads(get(client, path).content)["items"] if i["id"] == guid)
            assert item["title"] == title, path
    finally:
        article.delete()

"""READ MORE leads to the brand's own copy of the named story whenever the brand shows one.

The wire links its own site; the link goes to the brand's article when the brand has that
story (whatever spelling of its URL the wire used), and stays on the wire's site otherwise.
"""

from __future__ import annotations

import html
import itertools
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.caches import clear_caches
from tests.web.factories import get, make_brand, make_source, store
from wiredesk.brands.models import Brand
from wiredesk.stories.models import Article

pytestmark = pytest.mark.django_db

HOST, OTHER_HOST = "harbour.test", "lakeside.test"
TARGET = "https://wire.example/news/2026/ferry-fares?id=7"


@pytest.fixture
def wires():
    return make_source("Harbour Wire"), make_source("Lake Wire")


def path_of(a: Article) -> str:
    return f"/story/{a.id}-{a.slug}/"


def read_more(client, article: Article, host: str = HOST) -> tuple[str, str]:
    """(href, rel) of the READ MORE link of the article's page on ``host``."""
    doc = get(client, path_of(article), host).content.decode()
    match = re.search(r'<p class="read-more"><strong>READ MORE:</strong> <a href="([^"]*)"( rel="[^"]*")?>', doc)
    assert match, "no READ MORE link"
    return html.unescape(match[1]), (match[2] or "").strip()


_MEETING = itertools.count(1)


def citing(wire, url: str) -> Article:
    # Each example a story of its own: the same text stored twice would be one copy sent again.
    n = next(_MEETING)
    body = (f"<p>PORT ELLIS: The ferry board met on Monday for the {n}th time this year.</p><p>READ MORE: "
            f"<a href=\"{html.escape(url)}\">Ferry fares frozen for the winter</a></p>"
            f"<p>It meets again in May, when the {n}th report on fares is due.</p>")
    return store(wire, "Ferry board meets", body=body)


def one_target(wire) -> Article:
    """The brand and the story at TARGET, made by the first example and kept for the next ones
    (examples share the test's database); the caches start empty for every example."""
    clear_caches()
    if not Brand.objects.exists():
        make_brand("Harbour Herald", [HOST], sources=[wire])
        store(wire, "Ferry fares frozen for the winter", link=TARGET)
    return Article.objects.get(title="Ferry fares frozen for the winter")


# Spellings of TARGET that name the same story: scheme, host case, default port, tracking
# parameters anywhere in the query, a fragment.
TRACKING = st.sampled_from(["utm_source=feed", "utm_medium=email", "fbclid=IwAR0x", "gclid=abc", "mc_cid=9", "_ga=1.2"])


@st.composite
def same_story(draw) -> str:
    scheme = draw(st.sampled_from(["https", "http", "HTTPS"]))
    host = "".join(c.upper() if draw(st.booleans()) else c for c in "wire.example")
    port = draw(st.sampled_from(["", ":443" if scheme.lower() == "https" else ":80"]))
    params = ["id=7"]
    for tag in draw(st.lists(TRACKING, max_size=3)):
        params.insert(draw(st.integers(0, len(params))), tag)
    fragment = draw(st.sampled_from(["", "#fares", "#"]))
    return f"{scheme}://{host}{port}/news/2026/ferry-fares?{'&'.join(params)}{fragment}"


# Spellings that name another page: a different path, parameter value, extra parameter or port.
OTHER_PAGE = st.sampled_from([
    "https://wire.example/news/2026/ferry-fares/?id=7",
    "https://wire.example/news/2026/ferry-fares?id=8",
    "https://wire.example/news/2026/ferry-fares?id=7&page=2",
    "https://wire.example:8443/news/2026/ferry-fares?id=7",
    "https://wire.example/news/2026/Ferry-Fares?id=7",
    "https://other.example/news/2026/ferry-fares?id=7",
])


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(url=same_story())
def test_any_spelling_of_the_url_leads_to_the_brands_copy(client, wires, url):
    target = one_target(wires[0])
    href, rel = read_more(client, citing(wires[0], url))
    assert href == path_of(target) and rel == ""


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(url=OTHER_PAGE)
def test_another_page_keeps_the_wires_link(client, wires, url):
    one_target(wires[0])
    href, rel = read_more(client, citing(wires[0], url))
    assert href == url and rel == 'rel="noopener noreferrer"'


def test_a_copy_only_another_brand_shows_is_not_linked(client, wires):
    harbour_wire, lake_wire = wires
    make_brand("Harbour Herald", [HOST], sources=[harbour_wire])
    make_brand("Lakeside Ledger", [OTHER_HOST], sources=[harbour_wire, lake_wire])
    target = store(lake_wire, "Ferry fares frozen for the winter", link=TARGET)
    source = citing(harbour_wire, TARGET + "&utm_source=rss")
    assert read_more(client, source, HOST) == (TARGET + "&utm_source=rss", 'rel="noopener noreferrer"')
    assert read_more(client, source, OTHER_HOST) == (path_of(target), "")


def test_a_copy_in_a_section_the_brand_does_not_show_is_not_linked(client, wires):
    wire, _ = wires
    make_brand("Harbour Herald", [HOST], sources=[wire], sections=["world", "business"])
    store(wire, "Ferry fares frozen for the winter", link=TARGET, section="sports")
    assert read_more(client, citing(wire, TARGET))[0] == TARGET


def test_a_hidden_duplicate_leads_to_the_original_the_brand_shows(client, wires):
    harbour_wire, lake_wire = wires
    make_brand("Harbour Herald", [HOST], sources=[harbour_wire, lake_wire])
    make_brand("Lakeside Ledger", [OTHER_HOST], sources=[lake_wire])
    original = store(harbour_wire, "Ferry fares frozen for the winter", link="https://harbourwire.example/fares")
    # The Lake Wire's copy of the same story, at the URL the READ MORE names.
    copy = store(lake_wire, "Ferry fares frozen for the winter", link=TARGET, duplicate_of=original)
    source = citing(lake_wire, TARGET)
    assert read_more(client, source, HOST) == (path_of(original), "")
    # Lakeside does not carry the original: its own copy is the one it shows.
    assert read_more(client, source, OTHER_HOST) == (path_of(copy), "")


def test_a_link_without_an_address_stays_text(client, wires):
    wire, _ = wires
    make_brand("Harbour Herald", [HOST], sources=[wire])
    a = store(wire, "Ferry board meets", body="<p>PORT ELLIS: The board met.</p><p>READ MORE: Fares frozen</p><p>More.</p>")
    doc = get(client, path_of(a), HOST).content.decode()
    assert '<p class="read-more"><strong>READ MORE:</strong> Fares frozen</p>' in doc

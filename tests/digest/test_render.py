"""How an edition looks: both parts, escaping, inlined CSS, one render per section set."""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.web.factories import make_brand, make_source, store
from wiredesk.digest.render import PREFERENCES_MARK, UNSUBSCRIBE_MARK, EditionRenderer, Parts, preview_parts
from wiredesk.stories.models import Article

pytestmark = pytest.mark.django_db

HOST = "harbour.test"
DATE = dt.date(2026, 11, 29)
HOSTILE = "<script>alert(1)</script> & <b>bold</b>"
# How a feed carries that headline: escaped, so the stored title holds the characters.
HOSTILE_IN_FEED = html.escape(HOSTILE, quote=False)
LONG_BODY = (
    "<p>PORT ELLIS, Westmark (HW) - The harbour board voted on Tuesday to close the old pier for "
    "repairs after a survey found rot in two of its pilings, and ferries will use the east quay.</p>"
)


@pytest.fixture
def wire():
    return make_source("Harbour Wire", credit="HarbourWire.example")


@pytest.fixture
def brand(wire, settings):
    settings.PUBLIC_SCHEME, settings.PUBLIC_PORT = "http", ""  # links as a site behind a proxy has them
    return make_brand("Harbour Herald", [HOST], sources=[wire], sections=["world", "business", "local"],
                      tagline="Port news & more", accent_color="#aa3300")


@pytest.fixture
def edition(wire):
    """{section: [articles]} as selection hands them over."""
    return {
        "world": [store(wire, HOSTILE_IN_FEED, body=LONG_BODY), store(wire, "Storm turns north")],
        "business": [store(wire, "Fish prices fall at dawn auction", section="business")],
    }


def renderer(brand, edition) -> EditionRenderer:
    stories = {section: [a.id for a in articles] for section, articles in edition.items()}
    return EditionRenderer(brand=brand, date=DATE, stories=stories, subject="Harbour Herald daily: 29 Nov 2026")


def url_of(a: Article) -> str:
    return f"http://{HOST}/story/{a.id}-{a.slug}/"


def test_both_parts_carry_every_story_and_both_links(brand, edition):
    parts = renderer(brand, edition).parts(["world", "business"])
    assert isinstance(parts, Parts)
    assert parts.subject == "Harbour Herald daily: 29 Nov 2026"
    for article in [a for articles in edition.values() for a in articles]:
        assert html.escape(article.title, quote=False) in parts.html
        assert article.title in parts.text
        assert f'href="{url_of(article)}"' in parts.html
        assert url_of(article) in parts.text
    assert "HarbourWire.example" in parts.html and "HarbourWire.example" in parts.text
    for mark in (UNSUBSCRIBE_MARK, PREFERENCES_MARK):
        assert f'href="{mark}"' in parts.html
        assert parts.text.count(mark) == 1
    assert "Harbour Herald" in parts.html and "Harbour Herald" in parts.text
    assert "signed up" in parts.html and "signed up" in parts.text


def test_teaser_is_the_lead_and_the_first_words(brand, edition):
    parts = renderer(brand, edition).parts(["world"])
    assert "PORT ELLIS, Westmark (HW) - The harbour board voted on Tuesday" in parts.html
    # The text part wraps the teaser for plain-text readers; every word is still there.
    flat = " ".join(parts.text.split())
    assert "PORT ELLIS, Westmark (HW) - The harbour board voted on Tuesday to close the old pier" in flat
    long_lines = [line for line in parts.text.splitlines() if len(line) > 72 and "://" not in line]
    assert long_lines == []


def test_sections_in_brand_order_and_only_those_asked_for(brand, edition):
    r = renderer(brand, edition)
    both = r.parts(["business", "world"])
    assert both.html.index(">World</h2>") < both.html.index(">Business</h2>")
    assert both.text.index("== WORLD ==") < both.text.index("== BUSINESS ==")
    only_business = r.parts(["business", "local"])
    assert "Fish prices fall" in only_business.html and "Storm turns north" not in only_business.html
    assert "Storm turns north" not in only_business.text
    assert "Local" not in re.findall(r"<h2[^>]*>([^<]*)</h2>", only_business.html)


def test_none_when_no_asked_section_has_stories(brand, edition):
    r = renderer(brand, edition)
    assert r.parts(["local", "sports"]) is None
    assert r.parts([]) is None


def test_hostile_headline_is_escaped_in_html_and_literal_in_text(brand, edition):
    parts = renderer(brand, edition).parts(["world"])
    assert edition["world"][0].title == HOSTILE
    assert "<script" not in parts.html and "<b>bold" not in parts.html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;" in parts.html
    assert HOSTILE in parts.text
    assert not re.search(r"&(amp|lt|gt|quot|#x?[0-9a-f]+);", parts.text)
    assert "Port news & more" in parts.text


def test_placeholder_in_a_headline_is_defused(brand, wire):
    trap = store(wire, f"Click {UNSUBSCRIBE_MARK} now")
    parts = renderer(brand, {"world": [trap]}).parts(["world"])
    assert parts.html.count(UNSUBSCRIBE_MARK) == 1
    assert parts.text.count(UNSUBSCRIBE_MARK) == 1


def test_css_is_inlined_in_a_600px_table(brand, edition):
    parts = renderer(brand, edition).parts(["world", "business"])
    assert "<style" not in parts.html
    assert "<link" not in parts.html
    assert "<script" not in parts.html and "<img" not in parts.html
    assert re.search(r'<table[^>]*width="600"[^>]*style="[^"]*max-width: 600px', parts.html)
    # The masthead is the brand's name as text, in its accent colour.
    assert re.search(r'<a class="brand-link" href="http://harbour.test/" style="color: #aa3300;[^"]*">Harbour Herald</a>',
                     parts.html)
    assert re.search(r'<h3 class="headline" style="[^"]*font-size: 20px', parts.html)


def test_bad_accent_colour_falls_back(brand, edition):
    brand.accent_color = "red;} body{display:none"
    parts = renderer(brand, edition).parts(["world"])
    assert "display:none" not in parts.html
    assert "color: #0b5394" in parts.html


def test_rendered_once_per_section_set(brand, edition):
    with CaptureQueriesContext(connection) as loading:
        r = renderer(brand, edition)
    assert len(loading.captured_queries) == 1
    with CaptureQueriesContext(connection) as rendering:
        first = r.parts(["world", "business"])
        for _ in range(50):
            assert r.parts(("business", "world")) is first
            assert r.parts({"world", "business"}) is first
        assert r.parts(["world"]) is not first
        assert r.parts(["world"]) is r.parts(frozenset(["world"]))
        assert r.parts(["sports"]) is None and r.parts(["sports"]) is None
    assert rendering.captured_queries == []


def test_missing_article_is_skipped(brand, edition):
    gone = edition["world"][1]
    stories = {section: [a.id for a in articles] for section, articles in edition.items()}
    Article.objects.filter(id=gone.id).delete()
    parts = EditionRenderer(brand=brand, date=DATE, stories=stories, subject="s").parts(["world"])
    assert "Storm turns north" not in parts.html
    assert "alert(1)" in parts.text


def test_preview_parts(brand, wire):
    assert preview_parts(brand, timezone.now()) is None
    store(wire, "Storm turns north")
    store(wire, "Fish prices fall", section="business")
    now = timezone.now()
    parts = preview_parts(brand, now)
    local_date = timezone.localtime(now, brand.tz).date()
    assert parts.subject == f"Harbour Herald daily: {local_date.day} {local_date:%b} {local_date.year}"
    assert "Storm turns north" in parts.text and "Fish prices fall" in parts.text
    business = preview_parts(brand, now, ["business"])
    assert "Fish prices fall" in business.text and "Storm turns north" not in business.text
    assert preview_parts(brand, now, ["local"]) is None


def test_preview_respects_stories_per_section(brand, wire, settings):
    settings.DIGEST = {**settings.DIGEST, "stories_per_section": 2}
    for i in range(4):
        store(wire, f"World story {i}")
    parts = preview_parts(brand, timezone.now())
    assert len(re.findall(r'<h3 class="headline"', parts.html)) == 2
    assert "World story 0" in parts.text and "World story 1" in parts.text
    assert "World story 2" not in parts.text

"""Every reader page renders with its key content; the article page follows the reference anatomy."""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.web.factories import UTC, get, make_brand, make_source, store, words
from wiredesk.brands.models import BrandSource
from wiredesk.ingest.types import Image
from wiredesk.sources.models import Source
from wiredesk.stories.models import Article
from tests.caches import clear_caches

pytestmark = pytest.mark.django_db

HOST = "harbour.test"


@pytest.fixture
def wire():
    return make_source("Harbour Wire", credit="HarbourWire.example")


@pytest.fixture
def brand(wire):
    return make_brand("Harbour Herald", [HOST], time_zone="Australia/Sydney", sources=[wire], home_place="PORT ELLIS")


def page(client, path: str, status: int = 200) -> str:
    response = get(client, path, HOST)
    assert response.status_code == status, (path, response.status_code)
    return response.content.decode()


def path_of(a: Article) -> str:
    return f"/story/{a.id}-{a.slug}/"


def teasers_in(doc: str) -> list[str]:
    """Headlines of the teasers of a list or front, in page order."""
    return [html.unescape(t) for t in re.findall(r'<h3><a href="/story/[^"]+">([^<]*)</a></h3>', doc)]


def rail_of(doc: str) -> list[dict]:
    aside = re.search(r'<aside class="rail".*?</aside>', doc, re.S)
    assert aside, "no rail"
    return [
        {"url": u, "title": html.unescape(t), "text": html.unescape(x)}
        for u, t, x in re.findall(r'<li><a href="([^"]+)">([^<]*)</a><p>([^<]*)</p></li>', aside[0])
    ]


# --- home ---------------------------------------------------------------------------------


def test_home_has_top_stories_per_section_with_a_lead_image(client, brand, wire):
    now = timezone.now()
    store(wire, "Tide gauges upgraded along the coast", section="world", published=now - dt.timedelta(hours=1),
          images=(Image(url="https://img.example/tide.jpg", caption="A gauge", credit="R. Lowe"),))
    store(wire, "Older world story about shipping lanes", section="world", published=now - dt.timedelta(hours=5))
    store(wire, "Fish prices ease at the auction", section="business", published=now - dt.timedelta(hours=2))
    store(wire, "Rowing club wins the harbour cup", section="sports", published=now - dt.timedelta(hours=3))
    doc = page(client, "/")
    blocks = re.findall(r'<section class="front-block" aria-labelledby="s-(\w+)">', doc)
    assert blocks == ["world", "business", "sports"]  # the brand's section order, empty ones left out
    world = re.search(r'aria-labelledby="s-world">.*?</section>', doc, re.S)[0]
    assert teasers_in(world) == ["Tide gauges upgraded along the coast", "Older world story about shipping lanes"]
    lead = re.search(r'<article class="teaser teaser-lead">.*?</article>', world, re.S)[0]
    assert '<img class="teaser-img" src="https://img.example/tide.jpg"' in lead
    assert "Fish prices ease at the auction" in doc and "Rowing club wins the harbour cup" in doc


def test_home_prefers_a_story_with_an_image_as_block_lead(client, brand, wire):
    now = timezone.now()
    store(wire, "Newest story without a picture", published=now - dt.timedelta(minutes=10))
    store(wire, "Slightly older story with a picture", published=now - dt.timedelta(minutes=20),
          images=(Image(url="https://img.example/p.jpg"),))
    doc = page(client, "/")
    lead = re.search(r'<article class="teaser teaser-lead">.*?</article>', doc, re.S)[0]
    assert "Slightly older story with a picture" in lead


def test_a_local_dateline_ranks_above_a_slightly_newer_story(client, brand, wire):
    # A brand without a Local section: its home place's stories compete in their own sections.
    brand.sections = ["world", "business"]
    brand.save()
    now = timezone.now()
    store(wire, "Regional story from elsewhere", published=now - dt.timedelta(hours=1),
          body="<p>NORTH BAY, Ontario: The council voted to extend the ferry season by two weeks.</p>")
    store(wire, "Local story from the home port", published=now - dt.timedelta(hours=2),
          body="<p>PORT ELLIS, Westmark: The harbour board voted to dredge the inner basin.</p>")
    store(wire, "Old local story from the home port", published=now - dt.timedelta(days=3),
          body="<p>PORT ELLIS, Westmark: The pilots agreed new rosters for the winter.</p>")
    order = teasers_in(page(client, "/"))
    assert order.index("Local story from the home port") < order.index("Regional story from elsewhere")
    # The bonus is a nudge, not a pin: a days-old local story stays below fresh news.
    assert order.index("Regional story from elsewhere") < order.index("Old local story from the home port")


def test_a_brand_showing_local_news_gives_its_home_place_a_block_of_its_own(client, brand, wire):
    # Every section, Local included: the home place's stories, whatever section their wire
    # filed them in, make the Local block, and a story is shown once on the front.
    store(wire, "Regional story from elsewhere", body="<p>NORTH BAY, Ontario: The council voted.</p>")
    store(wire, "Port pilots agree rosters", section="business", body="<p>PORT ELLIS, Westmark: The pilots agreed.</p>")
    store(wire, "Dredging starts", body="<p>PORT ELLIS: The dredger arrived.</p>")
    doc = page(client, "/")
    blocks = dict(re.findall(r'<section class="front-block" aria-labelledby="s-(\w+)">(.*?)</section>', doc, re.S))
    assert sorted(blocks) == ["local", "world"]
    assert sorted(teasers_in(blocks["local"])) == ["Dredging starts", "Port pilots agree rosters"]
    assert teasers_in(blocks["world"]) == ["Regional story from elsewhere"]


def test_a_heavier_source_moves_up_the_front(client, brand, wire):
    other = make_source("Other Wire")
    BrandSource.objects.create(brand=brand, source=other, weight=1.0)
    now = timezone.now()
    store(other, "Newer story from the plain wire", published=now - dt.timedelta(hours=1))
    store(wire, "Older story from the favoured wire", published=now - dt.timedelta(hours=3))
    assert teasers_in(page(client, "/"))[0] == "Newer story from the plain wire"
    BrandSource.objects.filter(brand=brand, source=wire).update(weight=2.0)
    from django.core.cache import cache

    clear_caches()  # a direct update() bypasses the signals that reset the page cache
    assert teasers_in(page(client, "/"))[0] == "Older story from the favoured wire"


def test_an_empty_site_says_so(client, brand):
    assert "No stories yet" in page(client, "/")


# --- lists --------------------------------------------------------------------------------


def test_section_list_paginates_newest_first(client, brand, wire):
    start = dt.datetime(2024, 5, 1, tzinfo=UTC)
    for i in range(45):
        store(wire, f"Harbour note number {i:02d}", section="business", published=start + dt.timedelta(hours=i))
    store(wire, "A world story that is not business", section="world")
    first = page(client, "/section/business/")
    assert "<h1>Business</h1>" in first
    assert teasers_in(first) == [f"Harbour note number {i:02d}" for i in range(44, 24, -1)]
    assert "Page 1<" in first and 'href="?page=2" rel="next"' in first and 'rel="prev"' not in first
    second = page(client, "/section/business/?page=2")
    assert teasers_in(second) == [f"Harbour note number {i:02d}" for i in range(24, 4, -1)]
    assert 'href="?page=1" rel="prev"' in second and 'href="?page=3" rel="next"' in second
    third = page(client, "/section/business/?page=3")
    assert teasers_in(third) == [f"Harbour note number {i:02d}" for i in range(4, -1, -1)]
    assert 'href="?page=2" rel="prev"' in third and 'rel="next"' not in third  # the last page
    assert "A world story that is not business" not in first + second + third
    # Junk page numbers mean the first page; a page past the end is not found.
    for junk in ("x", "0", "-3", ""):
        assert teasers_in(page(client, f"/section/business/?page={junk}")) == teasers_in(first)
    page(client, "/section/business/?page=4", status=404)
    page(client, "/section/business/?page=501", status=404)


def test_source_list(client, brand, wire):
    other = make_source("Second Wire", credit="Second.example")
    BrandSource.objects.create(brand=brand, source=other)
    store(wire, "From the first wire")
    store(other, "From the second wire")
    doc = page(client, f"/source/{other.id}/")
    assert "<h1>From Second.example</h1>" in doc
    assert teasers_in(doc) == ["From the second wire"]


def test_place_pages_come_from_datelines_and_captions(client, brand, wire):
    store(wire, "Divers find a wreck", body="<p>ST. AGNES BAY: Divers found the wreck of a coaster off the point.</p>")
    store(wire, "Regatta at dawn",
          body="<p>(240612) -- PORT ELLIS, June 12, 2024 (Harbourpix) -- Rowers from six clubs lined up at dawn.</p>")
    store(wire, "Council meets", body="<p>NORTH BAY, Ontario: The council voted to extend the ferry season.</p>")
    doc = page(client, "/place/st-agnes-bay/")
    assert "<h1>St. Agnes Bay</h1>" in doc and teasers_in(doc) == ["Divers find a wreck"]
    assert teasers_in(page(client, "/place/port-ellis/")) == ["Regatta at dawn"]
    page(client, "/place/atlantis/", status=404)


def test_place_page_finds_an_old_story_by_its_indexed_slug(client, brand, wire, settings):
    # One old story from a place behind many newer ones from another place: the page looks
    # the place up by its slug, never by listing every place the site has.
    settings.PAGE_CACHE = {**settings.PAGE_CACHE, "enabled": False}
    old = store(wire, "Lighthouse relit", body="<p>CAPE MERROW: The lighthouse was relit.</p>",
                published=dt.datetime(2020, 1, 1, tzinfo=UTC))
    for i in range(30):
        store(wire, f"Busy port news {i}", body=f"<p>PORT ELLIS, Westmark: Item {i} of the day.</p>")
    assert Article.objects.get(id=old.id).place_slug == "cape-merrow"
    with CaptureQueriesContext(connection) as queries:
        doc = page(client, "/place/cape-merrow/")
    assert "<h1>Cape Merrow</h1>" in doc and teasers_in(doc) == ["Lighthouse relit"]
    assert not [q for q in queries if "DISTINCT" in q["sql"]]
    # The article page links its dateline place to that page.
    assert 'href="/place/cape-merrow/">Cape Merrow</a>' in page(client, path_of(old))


def test_archive_days_are_the_brands_days(client, wire):
    make_brand("Harbour Herald", [HOST], time_zone="Australia/Sydney", sources=[wire])
    make_brand("Lakeside Ledger", ["lake.test"], time_zone="America/Toronto", sources=[wire])
    # 02:30 UTC on 2 July: 12:30 on 2 July in Sydney, 22:30 on 1 July in Toronto.
    store(wire, "Night ferry delayed by fog", published=dt.datetime(2021, 7, 2, 2, 30, tzinfo=UTC))
    store(wire, "Ferry back on time", published=dt.datetime(2021, 7, 5, 2, 30, tzinfo=UTC))
    assert teasers_in(page(client, "/archive/2021/7/2/")) == ["Night ferry delayed by fog"]
    page(client, "/archive/2021/7/1/", status=404)  # a day without stories has no page
    toronto = get(client, "/archive/2021/7/1/", "lake.test").content.decode()
    assert "<h1>Thursday 1 July 2021</h1>" in toronto and teasers_in(toronto) == ["Night ferry delayed by fog"]
    assert get(client, "/archive/2021/7/2/", "lake.test").status_code == 404
    # Previous and next lead to the nearest days with stories; up to the month.
    assert 'rel="prev"' not in toronto
    assert '<a href="/archive/2021/7/4/" rel="next">Next: Sunday 4 July 2021</a>' in toronto
    assert '<a href="/archive/2021/7/">July 2021</a>' in toronto


def test_archive_day_on_a_daylight_saving_change_is_23_hours(client, brand, wire):
    # Sydney's clocks went forward at 02:00 on 3 Oct 2021: that day ends at 13:00 UTC.
    store(wire, "Last story of the short day", published=dt.datetime(2021, 10, 3, 12, 30, tzinfo=UTC))
    store(wire, "First story of the next day", published=dt.datetime(2021, 10, 3, 13, 30, tzinfo=UTC))
    assert teasers_in(page(client, "/archive/2021/10/3/")) == ["Last story of the short day"]
    assert teasers_in(page(client, "/archive/2021/10/4/")) == ["First story of the next day"]


@pytest.mark.parametrize("path", ["/archive/2021/2/30/", "/archive/2021/13/1/", "/archive/0/1/1/",
                                  "/archive/9999/12/31/", "/archive/99999999999999999999999/1/1/"])
def test_impossible_archive_dates_are_404(client, brand, path):
    page(client, path, status=404)


# --- the article page ---------------------------------------------------------------------

ANATOMY = [
    '<p class="source-line">',
    '<p class="date-line">',
    '<h1 id="headline">',
    '<div class="story-body">',
    '<p class="read-more">',
    '<p class="closing-credit">',
    'class="promo promo-newsletter"',
    'class="promo promo-releases"',
    '<aside class="rail"',
]


def test_article_page_follows_the_anatomy(client, brand, wire):
    body = (
        "<p>PORT ELLIS, Westmark: The harbour board voted on Tuesday to freeze ferry fares for the winter.</p>"
        "<p>The freeze covers every route across the estuary.</p>"
        '<p>READ MORE: <a href="https://harbourwire.example/news/fares-history">Ferry fares over ten years</a></p>'
        "<p>(HarbourWire.example)</p>"
    )
    a = store(wire, "Ferry fares frozen for winter", body=body, published=dt.datetime(2021, 11, 25, 8, 49, tzinfo=UTC))
    store(wire, "Shares in shipping firms climb", section="business")
    doc = page(client, path_of(a))
    positions = [doc.index(marker) for marker in ANATOMY]
    assert positions == sorted(positions)
    assert re.search(r'<p class="source-line"><a href="/source/\d+/">HarbourWire\.example</a>', doc)
    assert ">25 Nov 2021, 19:49 GMT+11</time>" in doc
    assert '<h1 id="headline">Ferry fares frozen for winter</h1>' in doc
    body_html = re.search(r'<div class="story-body">(.*?)</div>', doc, re.S)[1]
    assert body_html.strip() == a.body_html
    assert "READ MORE" not in body_html and "(HarbourWire.example)" not in body_html  # lifted out at ingest
    assert ('<p class="read-more"><strong>READ MORE:</strong> <a href="https://harbourwire.example/news/fares-history" '
            'rel="noopener noreferrer">Ferry fares over ten years</a></p>') in doc
    assert '<p class="closing-credit">(HarbourWire.example)</p>' in doc
    assert '<form action="/newsletter/" method="get"' in doc and "The Harbour Herald daily email" in doc
    assert '<a href="/releases/submit/">submit a news release</a>' in doc
    assert '<h2 id="rail-h">More Information</h2>' in doc
    assert [t["title"] for t in rail_of(doc)] == ["Shares in shipping firms climb"]


def test_read_more_is_chosen_from_the_same_section_when_the_source_gives_none(client, brand, wire):
    a = store(wire, "Harbour dredging plan approved", section="world")
    same = store(wire, "Dredging contract awarded for the harbour plan", section="world")
    store(wire, "Harbour dredging plan approved by investors", section="business")  # closer words, wrong section
    doc = page(client, path_of(a))
    read_more = re.search(r'<p class="read-more"><strong>READ MORE:</strong> <a href="([^"]+)">([^<]+)</a></p>', doc)
    assert read_more, "no READ MORE line"
    assert read_more[1] == path_of(same) and read_more[2] == same.title
    target = Article.objects.get(id=int(read_more[1].split("/")[2].split("-")[0]))
    assert target.section == a.section and target.id != a.id


def test_no_read_more_when_nothing_is_related(client, brand, wire):
    a = store(wire, "The only world story")
    assert '<p class="read-more">' not in page(client, path_of(a))


@pytest.mark.parametrize(
    "closing, body_tag, expected",
    [
        ("(Harbour Wire Service)", "<p>(HW)</p>", "(Harbour Wire Service)"),  # the source's own line wins
        ("", "<p>(HW)</p>", "(HW)"),  # else the tag the story ended with
        ("", "", "(HarbourWire.example)"),  # else the source's credit
    ],
)
def test_closing_credit(client, brand, wire, closing, body_tag, expected):
    Source.objects.filter(id=wire.id).update(closing_credit=closing)
    a = store(wire, "Pilots agree new rosters", body=f"<p>The pilots agreed new rosters for the winter.</p>{body_tag}")
    assert f'<p class="closing-credit">{expected}</p>' in page(client, path_of(a))


def test_promos_follow_the_brands_switches(client, brand, wire):
    brand.newsletter_promo = False
    brand.save()
    a = store(wire, "Quiet day on the water")
    doc = page(client, path_of(a))
    assert "promo-newsletter" not in doc and "promo-releases" in doc


RAIL_BODIES = [
    "<p>NORTH BAY, Ontario: The council voted on Monday night to extend the ferry season by two weeks after a "
    "petition from island residents gathered more signatures than any before it in the town's history.</p>",
    "<p>(240612) -- PORT ELLIS, June 12, 2024 (Harbourpix) -- Rowers from six clubs lined up at dawn for the "
    "estuary regatta, the first to be held on the new course since the channel was dredged last spring.</p>",
    "<p>(Photo credit: Ana Ribe-Coastline Images) Gulls circle the fish market as the first boats unload their "
    "catch, with prices for mackerel lower than at any point this season according to the auctioneers.</p>",
    "<p>Short plain story.</p>",
    "<p>" + "Supercalifragilisticexpialidocious" * 6 + " is one very long word.</p>",
]


def rail_body(i: int) -> str:
    """One of the lead shapes above, made a story of its own (the same text twice would be a
    copy, shown once)."""
    words = ("quay", "tide", "sail", "mast", "buoy", "pier", "dock", "reef", "keel", "helm", "hull", "oar")
    own = " ".join(f"{word}{i}{n}" for n in range(4) for word in words)  # most of the text its own
    return RAIL_BODIES[i % len(RAIL_BODIES)].replace("</p>", f" Details {own} follow.</p>", 1)


def test_rail_has_twelve_teasers_from_other_sections(client, brand, wire):
    a = store(wire, "The story being read", section="world")
    for i in range(4):
        store(wire, f"Another world story {i}", section="world")
    others = ["business", "technology", "sports", "photo", "local"]
    for i in range(15):
        store(wire, f"Rail story {i}", section=others[i % 5], body=rail_body(i))
    rail = rail_of(page(client, path_of(a)))
    assert len(rail) == 12
    ids = [int(t["url"].split("/")[2].split("-")[0]) for t in rail]
    sections = set(Article.objects.filter(id__in=ids).values_list("section", flat=True))
    assert "world" not in sections and sections <= set(others)
    # Newest first, with the brand's home place moved up: stories 1, 6 and 11 are datelined
    # PORT ELLIS (minutes apart: the local bonus of hours puts them first). With 4, 9 and 14
    # (filed as local) they make six local stories, of which the rail shows four at most:
    # 9, the fifth, gives way to the next story of another section.
    local = [1, 6, 11]
    others = [i for i in range(15) if i not in local]
    expected = local + [i for i in others if i != 9][:9]
    assert [t["title"] for t in rail] == [f"Rail story {i}" for i in expected]


@pytest.mark.parametrize("body_index, lead", [
    (0, "NORTH BAY, Ontario:"),
    (1, "(240612) -- PORT ELLIS, June 12, 2024 (Harbourpix) --"),
    (2, "(Photo credit: Ana Ribe-Coastline Images)"),
    (3, ""),
    (4, ""),
])
def test_rail_teaser_is_the_lead_then_about_130_characters(client, brand, wire, body_index, lead):
    a = store(wire, "The story being read", section="world")
    other = store(wire, "A teaser story", section="business", body=RAIL_BODIES[body_index])
    (teaser,) = rail_of(page(client, path_of(a)))
    text = teaser["text"]
    assert text.endswith("...") and not text.endswith("....")
    story = re.sub(r"<[^>]+>", "", RAIL_BODIES[body_index])
    if lead:
        assert text.startswith(lead + " ")  # the lead exactly as the wire gave it
        assert other.lead_raw == lead
        rest = text[len(lead) + 1:-3]
        story = story[len(lead):].strip()
    else:
        rest = text[:-3]
    assert 0 < len(rest) <= 130
    assert story.startswith(rest)
    following = story[len(rest):]
    # Cut at a word boundary (or the story's end); one word longer than the limit is cut inside.
    assert following == "" or following[0] in " ." or " " not in rest


def test_the_rail_is_built_when_the_page_is_asked_for(client, brand, wire, django_capture_on_commit_callbacks):
    a = store(wire, "A story from 2021", section="world", published=dt.datetime(2021, 11, 25, 8, 49, tzinfo=UTC))
    store(wire, "An older business story", section="business")
    assert [t["title"] for t in rail_of(page(client, path_of(a)))] == ["An older business story"]
    with django_capture_on_commit_callbacks(execute=True):
        store(wire, "Fresh sports story stored just now", section="sports", published=timezone.now())
    assert [t["title"] for t in rail_of(page(client, path_of(a)))] == [
        "Fresh sports story stored just now", "An older business story",
    ]


def test_images_show_with_caption_and_credit(client, brand, wire):
    a = store(wire, "New pier opens", images=(
        Image(url="https://img.example/pier.jpg", caption="The new pier at low tide", credit="Photo: J. Marsh"),
    ))
    doc = page(client, path_of(a))
    figure = re.search(r'<figure class="lead-image">.*?</figure>', doc, re.S)[0]
    assert '<img src="https://img.example/pier.jpg" alt="The new pier at low tide">' in figure
    assert "<figcaption>The new pier at low tide" in figure
    assert '<span class="photo-credit">Photo: J. Marsh</span>' in figure


def test_excerpt_only_sources_show_the_excerpt_and_link_to_the_original(client, brand):
    excerpt = make_source("Excerpt Wire", credit="Excerpt.example", licence=Source.Licence.EXCERPT)
    BrandSource.objects.create(brand=brand, source=excerpt)
    long_body = "<p>" + words(200, "tide") + "</p><p>Second paragraph that is never shown.</p>"
    a = store(excerpt, "Tide tables revised", body=long_body, link="https://excerpt.example/news/tide-tables",
              images=(Image(url="https://img.example/t.jpg", caption="Tide"),))
    assert a.excerpt_only
    doc = page(client, path_of(a))
    body_html = re.search(r'<div class="story-body">(.*?)</div>', doc, re.S)[1]
    assert "tide0 tide1" in body_html and "Second paragraph" not in body_html and body_html.strip().endswith("...</p>")
    assert ('<p class="read-original"><a href="https://excerpt.example/news/tide-tables" rel="noopener noreferrer">'
            "Read the whole story at Excerpt.example</a></p>") in doc
    assert '<figure class="lead-image">' not in doc


def test_duplicates_redirect_to_the_original(client, brand, wire):
    other = make_source("Copy Wire")
    BrandSource.objects.create(brand=brand, source=other)
    original = store(wire, "Breakwater repairs begin")
    copy = store(other, "Breakwater repairs begin today", duplicate_of=original)
    response = get(client, path_of(copy), HOST)
    assert response.status_code == 301 and response["Location"] == path_of(original)
    assert "Breakwater repairs begin today" not in page(client, "/")


def test_a_wrong_slug_redirects_to_the_right_one(client, brand, wire):
    a = store(wire, "Harbour lights switched on")
    response = get(client, f"/story/{a.id}-old-headline/", HOST)
    assert response.status_code == 301 and response["Location"] == path_of(a)
    page(client, "/story/999999-nothing/", status=404)


# --- the other pages ----------------------------------------------------------------------


def test_newsletter_releases_and_brand_css(client, brand):
    brand.accent_color = "#aa3300"
    brand.save()
    assert "<h1>The Harbour Herald daily email</h1>" in page(client, "/newsletter/")
    assert "<h1>Submit a news release</h1>" in page(client, "/releases/submit/")
    css = get(client, "/brand.css", HOST)
    assert css.status_code == 200 and css["Content-Type"].startswith("text/css")
    assert css.content.decode() == ":root{--accent:#aa3300;}\n"


def test_a_duplicate_redirects_to_its_original_only_where_the_original_is_carried(client):
    carried = make_source("Harbour Wire")
    other = make_source("Distant Wire")
    only_carried = make_brand("Harbour Herald", ["harbour.test"], sources=[carried])
    both = make_brand("Both Wires", ["both.test"], sources=[carried, other])
    original = store(other, "Ferry fares rise from March")
    duplicate = store(carried, "Ferry fares rise from March", duplicate_of=original)
    path = f"/story/{duplicate.id}-{duplicate.slug}/"
    # The brand carrying both shows the story once: the duplicate redirects to the original.
    moved = get(client, path, "both.test")
    assert moved.status_code == 301 and moved["Location"] == f"/story/{original.id}-{original.slug}/"
    # The brand without the original's wire shows its own copy instead of a redirect to a 404.
    page = get(client, path, "harbour.test")
    assert page.status_code == 200 and "Ferry fares rise from March" in page.content.decode()
    assert get(client, f"/story/{original.id}-{original.slug}/", "harbour.test").status_code == 404
    # And its lists, feeds and search show that copy too; the other brand lists the story once.
    from wiredesk.search.services import search_index_update

    search_index_update(article_ids=[original.id, duplicate.id])
    assert "Ferry fares rise from March" in get(client, "/", "harbour.test").content.decode()
    assert path in get(client, "/feeds/rss.xml", "harbour.test").content.decode()
    assert path in get(client, "/search/?q=ferry+fares", "harbour.test").content.decode()
    both_home = get(client, "/", "both.test").content.decode()
    assert f"/story/{original.id}-" in both_home and path not in both_home


def test_unicode_digits_in_numbers_are_not_a_server_error(client):
    # "²".isdigit() is true but int("²") fails: such input must read as no number.
    wire = make_source("Harbour Wire")
    make_brand("Harbour Herald", ["harbour.test"], sources=[wire])
    assert get(client, "/search/?q=ferry&page=%C2%B2&source=%C2%B2", "harbour.test").status_code == 200

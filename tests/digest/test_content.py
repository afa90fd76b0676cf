"""What an edition holds: its window, its stories per section in front order, its subject."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.web.factories import make_brand, make_source, store
from wiredesk.brands.models import Brand
from wiredesk.digest.content import edition_subject, select_stories, window
from wiredesk.digest.models import Edition
from wiredesk.stories.models import Article

pytestmark = pytest.mark.django_db

H = dt.timedelta(hours=1)
LOCAL_BODY = "<p>PORT ELLIS, Westmark (HW) - The harbour board met on Tuesday to talk about the pier.</p>"


@pytest.fixture
def now():
    return timezone.now().replace(microsecond=0)


@pytest.fixture
def wire():
    return make_source("Harbour Wire", credit="HarbourWire.example")


@pytest.fixture
def brand(wire):
    return make_brand("Harbour Herald", ["harbour.test"], sources=[wire], home_place="PORT ELLIS")


def put(source, title: str, *, seen: dt.datetime, published: dt.datetime | None = None, **kw) -> Article:
    """Store a wire item through the pipeline, then pin when it was first seen."""
    article = store(source, title, published=published or seen, **kw)
    Article.objects.filter(id=article.id).update(first_seen_at=seen)
    return article


def pick(brand, now, *, since=None, per_section=5):
    return select_stories(brand, since=since or now - 24 * H, cutoff=now, per_section=per_section)


# --- window ---------------------------------------------------------------------------------

def test_first_window_is_the_last_day(brand, now):
    assert window(brand, now) == (now - 24 * H, now)


def test_window_starts_at_the_latest_editions_cutoff(brand, now):
    other = make_brand("Valley Voice", ["valley.test"])
    for b, date, cutoff in [(brand, now.date() - dt.timedelta(days=2), now - 50 * H),
                            (brand, now.date() - dt.timedelta(days=1), now - 20 * H),
                            (other, now.date(), now - 1 * H)]:
        Edition.objects.create(brand=b, date=date, since=cutoff - 24 * H, cutoff=cutoff, subject="s")
    assert window(brand, now) == (now - 20 * H, now)


# --- selection ------------------------------------------------------------------------------

def test_only_stories_first_seen_inside_the_window(brand, wire, now):
    since = now - 10 * H
    put(wire, "Seen before the window", seen=since - H)
    put(wire, "Seen at the very start", seen=since)
    inside = put(wire, "Seen inside", seen=since + H)
    at_cutoff = put(wire, "Seen at the cutoff", seen=now)
    put(wire, "Seen after the cutoff", seen=now + H, published=now - H)
    assert pick(brand, now, since=since) == {"world": [at_cutoff.id, inside.id]}


def test_old_story_first_seen_today_does_not_lead(brand, wire, now):
    put(wire, "Backfilled from last week", seen=now - H, published=now - 7 * 24 * H)
    put(wire, "Just over the age limit", seen=now - H, published=now - 36 * H - dt.timedelta(minutes=1))
    fresh = put(wire, "Fresh", seen=now - H, published=now - 35 * H)
    assert pick(brand, now) == {"world": [fresh.id]}


def test_top_n_per_section_newest_first(brand, wire, now):
    world = [put(wire, f"World {i}", seen=now - H, published=now - (i + 2) * H) for i in range(4)]
    business = [put(wire, f"Business {i}", seen=now - H, published=now - (i + 2) * H, section="business")
                for i in range(3)]
    assert pick(brand, now, per_section=2) == {
        "world": [world[0].id, world[1].id],
        "business": [business[0].id, business[1].id],
    }


def test_ranked_like_the_fronts_local_and_heavier_sources_first(brand, wire, now):
    brand.sections = ["world", "business"]  # no Local section: the home place competes in World
    brand.save()
    heavy = make_source("Big Wire", credit="BigWire.example")
    brand.brandsource_set.create(source=heavy, weight=2.0)
    newest = put(wire, "Far away, newest", seen=now - H, published=now - 2 * H)
    local = put(wire, "Local, three hours older", seen=now - H, published=now - 5 * H, body=LOCAL_BODY)
    assert local.dateline_place == "PORT ELLIS"
    weighted = put(heavy, "Heavy source, four hours older", seen=now - H, published=now - 6 * H)
    # Scores in hours before now: local -5 + 6 = +1, heavy -6 + 6 = 0, newest -2.
    assert pick(brand, now) == {"world": [local.id, weighted.id, newest.id]}
    # With a Local section the home place's story is there, as on the front, and only there.
    brand.sections = ["world", "local"]
    brand.save()
    assert pick(brand, now) == {"world": [weighted.id, newest.id], "local": [local.id]}


def test_sections_follow_the_brand_and_empty_ones_are_left_out(wire, now):
    brand = make_brand("Ledger", ["ledger.test"], sources=[wire], sections=["business", "technology", "world"])
    w = put(wire, "World", seen=now - H)
    b = put(wire, "Business", seen=now - H, section="business")
    put(wire, "Sports are not carried", seen=now - H, section="sports")
    result = pick(brand, now)
    assert result == {"business": [b.id], "world": [w.id]}
    assert list(result) == ["business", "world"]


def test_only_the_brands_sources_and_no_duplicates(brand, wire, now):
    foreign = make_source("Valley Wire")
    make_brand("Valley Voice", ["valley.test"], sources=[foreign])
    mine = put(wire, "Ours", seen=now - H)
    put(foreign, "Theirs", seen=now - H)
    put(wire, "Ours again, a duplicate", seen=now - H, duplicate_of=mine)
    assert pick(brand, now) == {"world": [mine.id]}


def test_nothing_new_gives_nothing(brand, wire, now):
    put(wire, "Yesterday's", seen=now - 30 * H)
    assert pick(brand, now) == {}
    assert select_stories(brand, since=now, cutoff=now, per_section=5) == {}


@pytest.mark.parametrize("count", [3, 30])
def test_constant_number_of_queries(wire, now, count):
    make_brand("Harbour Herald", ["harbour.test"], sources=[wire], home_place="PORT ELLIS")
    for i in range(count):
        put(wire, f"Story {i}", seen=now - H, section=("world", "business", "local")[i % 3])
    brand = Brand.objects.get(name="Harbour Herald")  # a fresh instance: nothing remembered on it
    with CaptureQueriesContext(connection) as ctx:
        since, cutoff = window(brand, now)
        result = select_stories(brand, since=since, cutoff=cutoff, per_section=5)
    assert sum(len(ids) for ids in result.values()) == min(count, 15)
    # The previous edition, the brand's sources with their weights, the candidates and the
    # editors' picks.
    assert len(ctx.captured_queries) == 4


# --- subject --------------------------------------------------------------------------------

def test_subject():
    brand = Brand(name="Harbour Herald")
    assert edition_subject(brand, dt.date(2026, 11, 29)) == "Harbour Herald daily: 29 Nov 2026"
    assert edition_subject(brand, dt.date(2027, 1, 3)) == "Harbour Herald daily: 3 Jan 2027"


def test_subject_is_one_line_and_fits_the_field():
    sneaky = Brand(name="Herald\r\nBcc: victim@example.com\u2028 ")
    assert edition_subject(sneaky, dt.date(2026, 11, 29)) == "Herald Bcc: victim@example.com daily: 29 Nov 2026"
    long = edition_subject(Brand(name="A" * 300), dt.date(2026, 11, 29))
    assert len(long) <= 200 and long.endswith(" daily: 29 Nov 2026")

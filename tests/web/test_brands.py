"""Brands by Host: time zones with their offsets, the sources and sections each brand carries."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from tests.web.factories import UTC, get, make_brand, make_source, store
from wiredesk.brands.models import BrandSource

pytestmark = pytest.mark.django_db

SYDNEY, TORONTO = "sydney.test", "toronto.test"


@pytest.fixture
def two_brands():
    shared = make_source("Shared Wire")
    south = make_source("Southern Wire")
    north = make_source("Northern Wire")
    sydney = make_brand("Harbour Herald", [SYDNEY, "www.sydney.test"], time_zone="Australia/Sydney", sources=[shared, south])
    toronto = make_brand("Lakeside Ledger", [TORONTO], time_zone="America/Toronto", sources=[shared, north])
    return {"shared": shared, "south": south, "north": north, "sydney": sydney, "toronto": toronto}


_MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def _date_line(html: str) -> str:
    match = re.search(r'<p class="date-line"><a href="([^"]+)"><time datetime="[^"]+">([^<]+)</time></a></p>', html)
    assert match, "no date line on the article page"
    # It links the archive of the brand's day it shows.
    day, month, year = match[2].split(",")[0].split()
    assert match[1] == f"/archive/{year}/{_MONTHS.index(month) + 1}/{day}/"
    return match[2]


def _article_path(a) -> str:
    return f"/story/{a.id}-{a.slug}/"


@pytest.mark.parametrize(
    "published, sydney, toronto",
    [
        # Southern summer (Sydney on daylight time, +11), northern winter (Toronto standard, -5).
        (dt.datetime(2021, 11, 25, 8, 49, tzinfo=UTC), "25 Nov 2021, 19:49 GMT+11", "25 Nov 2021, 03:49 GMT-5"),
        # Southern winter (Sydney standard, +10), northern summer (Toronto on daylight time, -4).
        (dt.datetime(2021, 7, 1, 9, 49, tzinfo=UTC), "1 Jul 2021, 19:49 GMT+10", "1 Jul 2021, 05:49 GMT-4"),
        # The same instant falls on different calendar days in the two zones.
        (dt.datetime(2021, 7, 1, 16, 5, tzinfo=UTC), "2 Jul 2021, 02:05 GMT+10", "1 Jul 2021, 12:05 GMT-4"),
    ],
)
def test_the_same_article_shows_in_each_brands_zone(client, two_brands, published, sydney, toronto):
    a = store(two_brands["shared"], "Ferry timetable changes for the season", published=published)
    assert _date_line(get(client, _article_path(a), SYDNEY).content.decode()) == sydney
    assert _date_line(get(client, _article_path(a), TORONTO).content.decode()) == toronto
    # Teasers on the fronts use the same form.
    assert f">{sydney}</time>" in get(client, "/", SYDNEY).content.decode()
    assert f">{toronto}</time>" in get(client, "/", TORONTO).content.decode()


@pytest.mark.parametrize(
    "zone, expected",
    [
        ("Asia/Kolkata", "25 Nov 2021, 14:19 GMT+5:30"),
        ("America/St_Johns", "25 Nov 2021, 05:19 GMT-3:30"),
        ("Asia/Kathmandu", "25 Nov 2021, 14:34 GMT+5:45"),
        ("UTC", "25 Nov 2021, 08:49 GMT"),
    ],
)
def test_fractional_and_zero_offsets(client, zone, expected):
    src = make_source("Wire")
    make_brand("Zone Times", ["zone.test"], time_zone=zone, sources=[src])
    a = store(src, "Monsoon forecast revised", published=dt.datetime(2021, 11, 25, 8, 49, tzinfo=UTC))
    assert _date_line(get(client, _article_path(a), "zone.test").content.decode()) == expected


def test_each_brand_shows_only_its_sources(client, two_brands):
    south = store(two_brands["south"], "Southern story about the reef survey")
    north = store(two_brands["north"], "Northern story about the lake ice")
    sydney_home = get(client, "/", SYDNEY).content.decode()
    assert "Southern story about the reef survey" in sydney_home
    assert "Northern story about the lake ice" not in sydney_home

    assert get(client, _article_path(south), SYDNEY).status_code == 200
    assert get(client, _article_path(north), SYDNEY).status_code == 404
    assert get(client, _article_path(north), TORONTO).status_code == 200

    # The source page of a source the brand does not carry is 404, not an empty list.
    assert get(client, f"/source/{two_brands['south'].id}/", SYDNEY).status_code == 200
    assert get(client, f"/source/{two_brands['south'].id}/", TORONTO).status_code == 404
    assert get(client, f"/source/{two_brands['north'].id}/", TORONTO).status_code == 200
    assert get(client, "/source/999999/", TORONTO).status_code == 404


def test_a_brand_listing_no_sources_carries_them_all(client):
    a, b = make_source("Wire A"), make_source("Wire B")
    make_brand("Everything Gazette", ["all.test"])
    store(a, "Alpha story from wire A")
    store(b, "Beta story from wire B")
    home = get(client, "/", "all.test").content.decode()
    assert "Alpha story from wire A" in home and "Beta story from wire B" in home
    assert get(client, f"/source/{b.id}/", "all.test").status_code == 200


def test_unknown_host_is_400_with_no_site_content(client, two_brands):
    store(two_brands["shared"], "A story nobody else should see")
    response = get(client, "/", "elsewhere.test")
    assert response.status_code == 400
    body = response.content.decode()
    assert "Harbour Herald" not in body and "A story nobody else should see" not in body
    assert "Content-Security-Policy" in response.headers


@pytest.mark.parametrize("host", [SYDNEY, f"{SYDNEY}:8000", "SYDNEY.Test", "www.sydney.test", f"{SYDNEY}."])
def test_host_spellings_that_name_the_brand(client, two_brands, host):
    response = get(client, "/", host)
    assert response.status_code == 200
    assert '<span class="brand-name">Harbour Herald</span>' in response.content.decode()


def test_a_host_added_in_the_admin_answers_at_once(client, two_brands, django_capture_on_commit_callbacks):
    assert get(client, "/", "news.sydney.test").status_code == 400  # the host map is now cached
    brand = two_brands["sydney"]
    brand.hosts = [*brand.hosts, "news.sydney.test"]
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        brand.save()
    assert callbacks, "saving a brand schedules a reset of the host map and the page cache"
    assert get(client, "/", "news.sydney.test").status_code == 200


def test_sections_list_restricts_nav_and_section_pages(client):
    src = make_source("Wire")
    make_brand("Market Times", ["markets.test"], sources=[src], sections=["business", "world"])
    store(src, "Shares rally on export data", section="business")
    store(src, "Cup final goes to extra time", section="sports")
    home = get(client, "/", "markets.test").content.decode()
    nav = re.search(r'<nav class="sections".*?</nav>', home, re.S)[0]
    assert re.findall(r'href="/section/(\w+)/"', nav) == ["business", "world"]
    assert "Cup final goes to extra time" not in home
    assert get(client, "/section/business/", "markets.test").status_code == 200
    assert get(client, "/section/world/", "markets.test").status_code == 200
    for other in ("sports", "technology", "photo", "local"):
        assert get(client, f"/section/{other}/", "markets.test").status_code == 404


def test_weights_are_per_brand(client, two_brands):
    BrandSource.objects.filter(brand=two_brands["sydney"], source=two_brands["shared"]).update(weight=3.0)
    now = dt.datetime.now(UTC)
    store(two_brands["shared"], "Shared wire older story", published=now - dt.timedelta(hours=3))
    store(two_brands["south"], "Southern wire newer story", published=now - dt.timedelta(hours=1))
    store(two_brands["north"], "Northern wire newer story", published=now - dt.timedelta(hours=1))
    sydney = get(client, "/", SYDNEY).content.decode()
    toronto = get(client, "/", TORONTO).content.decode()
    assert sydney.index("Shared wire older story") < sydney.index("Southern wire newer story")
    assert toronto.index("Northern wire newer story") < toronto.index("Shared wire older story")

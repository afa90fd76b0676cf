"""The dated archive: reachable from every page, every link of it answers, and its months and
days are the brand's own (time zone), with no page for a date that has no stories."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.caches import clear_caches
from tests.web.factories import UTC, get, make_brand, make_source, store
from wiredesk.brands.models import BrandSource
from wiredesk.stories.models import Article

pytestmark = pytest.mark.django_db

# Zones east and west of UTC, the farthest included.
ZONES = {
    "east.test": "Pacific/Kiritimati",  # UTC+14
    "sydney.test": "Australia/Sydney",  # +10/+11
    "kolkata.test": "Asia/Kolkata",  # +5:30
    "utc.test": "UTC",
    "toronto.test": "America/Toronto",  # -5/-4
    "west.test": "Pacific/Pago_Pago",  # UTC-11
}


def story_ids(doc: str) -> set[int]:
    return {int(i) for i in re.findall(r'<h3><a href="/story/(\d+)-', doc)}


def archive_links(doc: str) -> set[str]:
    return set(re.findall(r'href="(/archive/[^"]*)"', doc))


def month_links(doc: str) -> set[str]:
    """The months an archive index lists (the footer's link to the index left out)."""
    return {link for link in archive_links(doc) if link.count("/") == 4}


@pytest.fixture
def wire():
    return make_source("Harbour Wire")


@pytest.fixture
def brands(wire):
    return {host: make_brand(host, [host], time_zone=zone, sources=[wire]) for host, zone in ZONES.items()}


def test_every_archive_link_on_the_site_answers(client, wire, brands):
    now = dt.datetime.now(UTC)
    times = [now - dt.timedelta(hours=h) for h in (1, 30, 24 * 40, 24 * 400)] + [
        dt.datetime(2021, 1, 31, 23, 30, tzinfo=UTC), dt.datetime(2021, 3, 1, 0, 30, tzinfo=UTC),
    ]
    stories = [store(wire, f"Ferry story {n}", published=t) for n, t in enumerate(times)]
    for host in ZONES:
        # From the footer of the home page and the date lines of the stories, follow every
        # archive link the archive pages give (index, months, days, previous and next).
        seen: set[str] = set()
        todo = archive_links(get(client, "/", host).content.decode())
        for a in stories:
            todo |= archive_links(get(client, f"/story/{a.id}-{a.slug}/", host).content.decode())
        assert "/archive/" in todo
        listed: set[int] = set()
        while todo:
            path = todo.pop()
            seen.add(path)
            response = get(client, path, host)
            assert response.status_code == 200, (host, path, response.status_code)
            doc = response.content.decode()
            if path.count("/") == 5:  # a day: /archive/Y/M/D/
                listed |= story_ids(doc)
            todo |= archive_links(doc) - seen
        assert listed == {a.id for a in stories}, host  # every story is on its day's page
        assert len([p for p in seen if p.count("/") == 4]) >= 4  # the months, linked from the index


@pytest.mark.parametrize("path", [
    "/archive/2021/13/", "/archive/2021/0/", "/archive/0/1/", "/archive/1899/12/", "/archive/9999/12/",
    "/archive/99999999999999999999999/1/", "/archive/2021/2/30/", "/archive/2021/13/1/", "/archive/2021/4/31/",
    "/archive/2021/x/", "/archive/2021/-1/", "/archive/2021//", "/archive/2021/",
])
def test_impossible_or_malformed_dates_are_404(client, wire, brands, path):
    store(wire, "Ferry story", published=dt.datetime(2021, 4, 10, 12, 0, tzinfo=UTC))
    assert get(client, path, "utc.test").status_code == 404


def test_future_dates_and_dates_before_the_first_story_are_404(client, wire, brands):
    now = dt.datetime.now(UTC)
    store(wire, "First story", published=dt.datetime(2021, 4, 10, 12, 0, tzinfo=UTC))
    # Published now: minutes earlier would be last month's in a zone whose month began since.
    store(wire, "Latest story", published=now)
    for host, zone in ZONES.items():
        today = now.astimezone(ZoneInfo(zone)).date()
        tomorrow = today + dt.timedelta(days=1)
        next_month = (today.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
        for path in (f"/archive/{tomorrow.year}/{tomorrow.month}/{tomorrow.day}/",
                     f"/archive/{next_month.year}/{next_month.month}/", f"/archive/{today.year + 1}/1/",
                     "/archive/9998/12/", "/archive/9998/12/31/",
                     "/archive/2021/3/", "/archive/2021/4/9/", "/archive/2000/1/1/",
                     "/archive/2021/5/"):  # after the first story but without one
            assert get(client, path, host).status_code == 404, (host, path)
        assert get(client, "/archive/2021/4/", host).status_code == 200
        assert get(client, f"/archive/{today.year}/{today.month}/", host).status_code == 200


LAST_DAYS = st.builds(
    lambda year, month: (dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)),
    year=st.integers(2000, 2024), month=st.integers(1, 12),
)


EAST = st.sampled_from(["east.test", "sydney.test", "kolkata.test"])
WEST = st.sampled_from(["toronto.test", "west.test", "utc.test"])


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(last_day=LAST_DAYS, minute=st.sampled_from([(23, 30), (0, 30), (12, 0)]), east=EAST, west=WEST)
def test_a_story_is_filed_under_each_brands_own_month_and_day(client, wire, brands, last_day, minute, east, west):
    # 23:30 UTC on the last day of a month is already the next month east of UTC; 00:30 UTC
    # on the first of the next month is still the previous one west of it.
    clear_caches()
    Article.objects.all().delete()
    hour, mins = minute
    day = last_day + dt.timedelta(days=1) if hour == 0 else last_day
    published = dt.datetime(day.year, day.month, day.day, hour, mins, tzinfo=UTC)
    a = store(wire, "Harbour story at the turn of the month", published=published)
    for host in (east, west):
        local = published.astimezone(ZoneInfo(ZONES[host]))
        month_page = get(client, f"/archive/{local.year}/{local.month}/", host)
        assert month_page.status_code == 200 and story_ids(month_page.content.decode()) == {a.id}, (host, local)
        day_page = get(client, f"/archive/{local.year}/{local.month}/{local.day}/", host)
        assert day_page.status_code == 200 and story_ids(day_page.content.decode()) == {a.id}
        index = get(client, "/archive/", host).content.decode()
        assert month_links(index) == {f"/archive/{local.year}/{local.month}/"}
        # The UTC month, when it is another: no page.
        if (published.year, published.month) != (local.year, local.month):
            assert get(client, f"/archive/{published.year}/{published.month}/", host).status_code == 404


def test_a_month_pages_its_stories_and_links_its_days(client, wire, brands):
    for n in range(45):  # 45 stories over 9 days of June 2024, five a day
        store(wire, f"June story {n}", published=dt.datetime(2024, 6, 2 + n // 5 * 3, 12, n, tzinfo=UTC))
    first = get(client, "/archive/2024/6/", "utc.test").content.decode()
    assert len(story_ids(first)) == 20 and 'href="?page=2" rel="next"' in first
    assert len(story_ids(get(client, "/archive/2024/6/?page=3", "utc.test").content.decode())) == 5
    assert get(client, "/archive/2024/6/?page=4", "utc.test").status_code == 404
    days = re.search(r'<nav class="archive-days".*?</nav>', first, re.S)[0]
    assert archive_links(days) == {f"/archive/2024/6/{2 + k * 3}/" for k in range(9)}


def test_the_index_follows_what_the_brand_shows(client, wire, brands, django_capture_on_commit_callbacks):
    other = make_source("Other Wire")
    store(wire, "Old story", published=dt.datetime(2022, 5, 3, 12, 0, tzinfo=UTC))
    store(other, "Older story of another wire", published=dt.datetime(2020, 2, 3, 12, 0, tzinfo=UTC))
    assert month_links(get(client, "/archive/", "utc.test").content.decode()) == {"/archive/2022/5/"}
    with django_capture_on_commit_callbacks(execute=True):  # now carried: shown at once
        BrandSource.objects.create(brand=brands["utc.test"], source=other)
    assert month_links(get(client, "/archive/", "utc.test").content.decode()) == {
        "/archive/2022/5/", "/archive/2020/2/"}
    assert get(client, "/archive/2020/2/3/", "utc.test").status_code == 200


def test_an_empty_site_has_an_archive_page_saying_so(client, brands):
    doc = get(client, "/archive/", "utc.test").content.decode()
    assert "<h1>Archive</h1>" in doc and "No stories yet" in doc


def test_every_page_links_the_archive(client, wire, brands):
    a = store(wire, "Ferry story")
    for path in ("/", "/section/world/", f"/story/{a.id}-{a.slug}/", "/search/?q=ferry", "/newsletter/"):
        assert 'href="/archive/">Archive</a>' in get(client, path, "utc.test").content.decode(), path

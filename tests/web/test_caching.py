"""Page cache and HTTP caching: CDN headers, 304s, freshness when stories land, private pages
for signed-in users, and a number of SQL queries per page that does not grow with the page."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.http import http_date, parse_http_date

from tests.web.factories import UTC, get, make_brand, make_source, store
from wiredesk.core.generation import content_generation
from wiredesk.ingest.types import Image
from wiredesk.stories.models import Article
from tests.caches import clear_caches

pytestmark = pytest.mark.django_db

HOST = "harbour.test"
# Recent (inside the home page's two-week window) and the same calendar day in Sydney for
# the 40 minutes the stories span: 01:00 UTC is 11:00 or 12:00 there.
DAY = (dt.datetime.now(UTC) - dt.timedelta(days=2)).replace(hour=1, minute=0, second=0, microsecond=0)
SYDNEY_DAY = DAY.astimezone(ZoneInfo("Australia/Sydney"))


@pytest.fixture
def wire():
    return make_source("Harbour Wire")


@pytest.fixture
def brand(wire):
    return make_brand("Harbour Herald", [HOST], time_zone="Australia/Sydney", sources=[wire])


def add_stories(wire, start: int, stop: int) -> list[Article]:
    sections = ["world", "world", "business", "sports"]
    return [
        store(
            wire, f"Harbour story number {i}", section=sections[i % 4], published=DAY + dt.timedelta(minutes=i),
            body=f"<p>PORT ELLIS, Westmark: Story {i} says the harbour board met again about the fares.</p>"
                 + f'<p>READ MORE: <a href="https://wire.example/{i}">Earlier story {i}</a></p>' * (i % 2),
            images=(Image(url=f"https://img.example/{i}.jpg", caption=f"Caption {i}", credit="Photo desk"),),
        )
        for i in range(start, stop)
    ]


def paths(wire, article: Article) -> dict[str, str]:
    return {
        "home": "/",
        "section": "/section/world/",
        "source": f"/source/{wire.id}/",
        "place": "/place/port-ellis/",
        "archive": f"/archive/{SYDNEY_DAY.year}/{SYDNEY_DAY.month}/{SYDNEY_DAY.day}/",
        "archive-month": f"/archive/{SYDNEY_DAY.year}/{SYDNEY_DAY.month}/",
        "archive-index": "/archive/",
        "local": "/section/local/",
        "article": f"/story/{article.id}-{article.slug}/",
        "brand.css": "/brand.css",
    }


# --- headers and conditional GET ----------------------------------------------------------


@pytest.mark.parametrize("kind", ["home", "section", "source", "place", "archive", "article", "brand.css"])
def test_pages_carry_cdn_cache_headers(client, settings, brand, wire, kind):
    (a,) = add_stories(wire, 0, 1)
    response = get(client, paths(wire, a)[kind], HOST)
    assert response.status_code == 200
    cc = response["Cache-Control"]
    assert cc.startswith("public")
    assert re.search(r"\bs-maxage=(\d+)", cc)[1] == str(settings.PAGE_CACHE["s_maxage"])
    assert int(re.search(r"\bstale-while-revalidate=(\d+)", cc)[1]) > 0
    assert response["ETag"].startswith('"') and parse_http_date(response["Last-Modified"])
    assert "Host" in response["Vary"]
    assert "Set-Cookie" not in response.headers  # nothing per-user on a shared page


@pytest.mark.parametrize("kind", ["home", "section", "article"])
def test_if_none_match_gives_304(client, brand, wire, kind):
    (a,) = add_stories(wire, 0, 1)
    path = paths(wire, a)[kind]
    first = get(client, path, HOST)
    etag = first["ETag"]
    again = get(client, path, HOST, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again.content == b"" and again["ETag"] == etag
    assert "s-maxage" in again["Cache-Control"]
    assert get(client, path, HOST, HTTP_IF_NONE_MATCH=f'"other", W/{etag}').status_code == 304
    assert get(client, path, HOST, HTTP_IF_NONE_MATCH='"something-else"').status_code == 200
    assert client.head(path, HTTP_HOST=HOST, HTTP_IF_NONE_MATCH=etag).status_code == 304


@pytest.mark.parametrize("kind", ["home", "section", "article"])
def test_if_modified_since_gives_304(client, brand, wire, kind):
    (a,) = add_stories(wire, 0, 1)
    path = paths(wire, a)[kind]
    last_modified = get(client, path, HOST)["Last-Modified"]
    assert get(client, path, HOST, HTTP_IF_MODIFIED_SINCE=last_modified).status_code == 304
    earlier = http_date(parse_http_date(last_modified) - 60)
    assert get(client, path, HOST, HTTP_IF_MODIFIED_SINCE=earlier).status_code == 200


def test_last_modified_moves_when_the_rail_changes(client, brand, wire, django_capture_on_commit_callbacks):
    # The article itself is unchanged; only the "More Information" rail gets a new story.
    a = store(wire, "An old world story", section="world", published=DAY)
    path = f"/story/{a.id}-{a.slug}/"
    first = get(client, path, HOST)
    with django_capture_on_commit_callbacks(execute=True):
        store(wire, "A brand new business story", section="business")
    second = get(client, path, HOST, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
    assert second.status_code == 200 and "A brand new business story" in second.content.decode()
    # Never earlier; later only once the clock has moved on (Last-Modified is never after Date).
    assert parse_http_date(second["Last-Modified"]) >= parse_http_date(first["Last-Modified"])
    assert second["ETag"] != first["ETag"]


def test_an_unchanged_page_keeps_its_last_modified_across_generations(client, brand, wire,
                                                                      django_capture_on_commit_callbacks):
    store(wire, "A world story", section="world")
    first = get(client, "/section/world/", HOST)
    with django_capture_on_commit_callbacks(execute=True):
        store(wire, "A sports story", section="sports")  # new generation, same world list
    second = get(client, "/section/world/", HOST, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
    assert second.status_code == 304 and second["ETag"] == first["ETag"]


@pytest.mark.parametrize("path", ["/feeds/rss.xml", "/feeds/atom.xml", "/feeds/feed.json", "/section/world/rss.xml"])
def test_feeds_answer_conditional_gets(client, brand, wire, path):
    add_stories(wire, 0, 3)
    first = get(client, path, HOST)
    if first.status_code == 404:
        pytest.skip("feeds are not built yet")
    assert first.status_code == 200 and "s-maxage" in first["Cache-Control"]
    assert get(client, path, HOST, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    assert get(client, path, HOST, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"]).status_code == 304


# --- freshness ----------------------------------------------------------------------------


def test_a_cached_page_is_refreshed_when_an_article_lands(client, brand, wire, django_capture_on_commit_callbacks):
    add_stories(wire, 0, 1)
    assert "Harbour story number 0" in get(client, "/", HOST).content.decode()
    # Without the commit hook the page stays cached: the cache is real...
    store(wire, "Stored without telling the cache", section="world")
    assert "Stored without telling the cache" not in get(client, "/", HOST).content.decode()
    # ...and article_upsert bumps the content generation once its transaction commits.
    before = content_generation()
    with django_capture_on_commit_callbacks(execute=True):
        store(wire, "Ferry service resumes after the storm", section="world")
    assert content_generation() != before
    home = get(client, "/", HOST).content.decode()
    assert "Ferry service resumes after the storm" in home and "Stored without telling the cache" in home


def test_a_brand_edit_shows_at_once(client, brand, wire, django_capture_on_commit_callbacks):
    add_stories(wire, 0, 1)
    assert "Harbour Herald" in get(client, "/", HOST).content.decode()
    brand.name = "Harbour Evening Herald"
    with django_capture_on_commit_callbacks(execute=True):
        brand.save()
    assert '<span class="brand-name">Harbour Evening Herald</span>' in get(client, "/", HOST).content.decode()


def test_pages_are_cached_per_origin(client, settings, wire):
    # A page holds absolute URLs (rel=canonical, JSON-LD): the copy served for one scheme or
    # host name of a brand must be the page rendered for that scheme and host name.
    make_brand("Harbour Herald", [HOST, "www.harbour.test"], sources=[wire])
    (a,) = add_stories(wire, 0, 1)
    path = f"/story/{a.id}-{a.slug}/"
    origins = [{"HTTP_HOST": HOST}, {"HTTP_HOST": HOST, "secure": True}, {"HTTP_HOST": "www.harbour.test"}]

    settings.PAGE_CACHE = {**settings.PAGE_CACHE, "enabled": False}
    fresh = [client.get(path, **origin).content for origin in origins]

    settings.PAGE_CACHE = {**settings.PAGE_CACHE, "enabled": True}
    clear_caches()
    assert [client.get(path, **origin).content for origin in origins] == fresh
    assert [client.get(path, **origin).content for origin in origins] == fresh  # now from the cache


# --- signed-in users ----------------------------------------------------------------------


def test_signed_in_users_get_private_pages_never_the_shared_copy(client, brand, wire, django_user_model):
    (a,) = add_stories(wire, 0, 1)
    path = f"/story/{a.id}-{a.slug}/"
    assert "Harbour story number 0" in get(client, path, HOST).content.decode()  # cached for everyone
    Article.objects.filter(id=a.id).update(title="Headline corrected by an editor")  # no generation bump

    assert "Harbour story number 0" in get(client, path, HOST).content.decode()  # the shared copy
    client.force_login(django_user_model.objects.create_user("editor", password="x" * 20))
    mine = get(client, path, HOST)
    assert mine["Cache-Control"] == "private, no-store" and "ETag" not in mine.headers
    assert "Headline corrected by an editor" in mine.content.decode()  # rendered for them, not the cache


def test_a_page_rendered_for_a_signed_in_user_is_not_served_to_others(client, brand, wire, django_user_model):
    from django.test import Client

    (a,) = add_stories(wire, 0, 1)
    path = f"/story/{a.id}-{a.slug}/"
    client.force_login(django_user_model.objects.create_user("editor", password="x" * 20))
    assert get(client, path, HOST)["Cache-Control"] == "private, no-store"
    Article.objects.filter(id=a.id).update(title="Changed after the editor looked")
    anonymous = Client().get(path, HTTP_HOST=HOST)
    assert "Changed after the editor looked" in anonymous.content.decode()
    assert anonymous["Cache-Control"].startswith("public")


# --- SQL queries per page -----------------------------------------------------------------

PAGES = ["home", "section", "source", "place", "archive", "archive-month", "archive-index", "local", "article"]


def _queries(client, path: str) -> int:
    clear_caches()  # cold: host map, rail and page all built by this request
    with CaptureQueriesContext(connection) as captured:
        assert get(client, path, HOST).status_code == 200
    return len(captured)


@pytest.mark.parametrize("kind", PAGES)
def test_queries_per_page_do_not_grow_with_the_number_of_stories(client, settings, brand, wire, kind,
                                                                 django_assert_num_queries):
    settings.PAGE_CACHE = {**settings.PAGE_CACHE, "enabled": False}  # measure the view itself
    if kind == "local":  # the stories are datelined PORT ELLIS: the brand's local news
        brand.home_place = "Port Ellis"
        brand.save()
    stories = add_stories(wire, 0, 5)
    path = paths(wire, stories[0])[kind]
    few = _queries(client, path)
    assert few <= 8, f"{kind}: {few} queries for 5 stories"

    add_stories(wire, 5, 40)
    clear_caches()
    with django_assert_num_queries(few):
        doc = get(client, path, HOST).content.decode()
    # The bigger page really shows more: the count is not constant because nothing is shown.
    if kind == "archive-index":
        assert 'class="archive-months"' in doc
    elif kind != "article":
        assert doc.count('class="teaser') > 5


@pytest.mark.parametrize("kind", PAGES)
def test_a_cached_page_costs_at_most_one_query(client, settings, brand, wire, kind, django_assert_max_num_queries):
    settings.PAGE_CACHE = {**settings.PAGE_CACHE, "enabled": True}
    stories = add_stories(wire, 0, 40)
    path = paths(wire, stories[0])[kind]
    get(client, path, HOST)
    with django_assert_max_num_queries(1):  # the brand of the Host
        assert get(client, path, HOST).status_code == 200


def test_unknown_query_parameters_share_the_cached_page(client, settings, brand, wire, django_assert_max_num_queries):
    # Tracking tags and cache-busting junk must not each make a cache entry (on Redis they
    # would pile up); the parameters a page reads (page, a search's q) still do.
    settings.PAGE_CACHE = {**settings.PAGE_CACHE, "enabled": True}
    add_stories(wire, 0, 40)
    first = get(client, "/?utm_source=newsletter", HOST)
    with django_assert_max_num_queries(1):
        again = get(client, "/?junk=12345&utm_medium=x", HOST)
    assert again.status_code == 200 and again["ETag"] == first["ETag"]
    one = get(client, "/search/?q=harbour&junk=1", HOST)
    assert one["ETag"] == get(client, "/search/?q=harbour&junk=2", HOST)["ETag"]
    assert one["ETag"] != get(client, "/search/?q=zzzunmatched", HOST)["ETag"]

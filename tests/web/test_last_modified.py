"""Last-Modified is never later than Date (RFC 9110 section 8.8.2.1), on every cacheable response.

Rows are stamped a fraction of a second ahead of now (what a story stored during the request
looks like) and a day ahead (a clock that disagrees), and each page kind is read through
Django and through the page front served by a real uvicorn set up as `wiredesk web` sets up
its workers: once rendered by Django, once replayed by the front, once answered 304.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from django.utils.http import parse_http_date

from tests.caches import clear_caches
from tests.releases.helpers_moderation import make_submission
from tests.web.every_url import Site, every_path, named_patterns
from tests.web.factories import make_brand, make_source, store
from tests.web.test_front import serving
from wiredesk.core.generation import content_changed
from wiredesk.digest.models import Subscriber
from wiredesk.stories.models import Article, Story

HOST = "harbour.test"
AHEAD = {"a-fraction-ahead": dt.timedelta(microseconds=999_000), "a-day-ahead": dt.timedelta(days=1)}
# The reader site's patterns all go through the page cache, but robots.txt (it names the host asked).
WEB_PAGES = {"home", "section", "source", "place", "archive", "archive-month", "archive-day", "article", "story", "search",
             "brand-css", "feed-rss", "feed-atom", "feed-json", "section-feed-rss", "section-feed-atom",
             "section-feed-json", "sitemap", "news-sitemap"}


def make_site() -> Site:
    clear_caches()
    wire = make_source("Harbour Wire")
    brand = make_brand("Harbour Herald", [HOST], sources=[wire])
    article = store(wire, "Harbour board approves new ferry berth",
                    body="<p>PORT ELLIS, Westmark: The harbour board approved a new ferry berth on Tuesday.</p>")
    other = store(wire, "Ferry timetable changes for winter", section="business")
    story = Story.objects.create(first_seen_at=other.published_at, last_updated_at=article.published_at, size=2)
    Article.objects.filter(id__in=[article.id, other.id]).update(story=story)
    article.refresh_from_db()
    subscriber = Subscriber.objects.create(brand=brand, email="reader@example.com", sections=["world"])
    return Site(article=article, place_slug=article.place_slug, day=article.published_at.date(),
                subscriber=subscriber, submission=make_submission(brand), image_name="0" * 32 + ".png", story_id=story.id)


def stamp_ahead(offset: dt.timedelta) -> None:
    ahead = timezone.now() + offset
    Article.objects.update(changed_at=ahead, updated_at=ahead)
    content_changed()
    clear_caches()


def dates(headers) -> tuple[int, int]:
    return parse_http_date(headers["Last-Modified"]), parse_http_date(headers["Date"])


@pytest.mark.django_db
@pytest.mark.parametrize("offset", AHEAD.values(), ids=AHEAD.keys())
def test_every_cacheable_page_through_django(client, offset):
    site = make_site()
    stamp_ahead(offset)
    cacheable = set()
    for name, (path, _) in every_path(site).items():
        first = client.get(path, HTTP_HOST=HOST)
        if not first.has_header("ETag"):
            continue
        cacheable.add(name)
        again = client.get(path, HTTP_HOST=HOST, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
        for response in (first, again):
            modified, date = dates(response)
            assert modified <= date, (name, response.status_code, response["Last-Modified"], response["Date"])
    assert cacheable == WEB_PAGES and WEB_PAGES <= named_patterns()


@pytest.mark.django_db
def test_a_page_changed_twice_within_a_second(client):
    site = make_site()
    path = every_path(site)["home"][0]
    first = client.get(path, HTTP_HOST=HOST)
    store(site.article.source, "A brand new world story")
    content_changed()
    second = client.get(path, HTTP_HOST=HOST, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
    # The new bytes reach the client holding the old ones, and the header still is not ahead of Date.
    assert second.status_code == 200 and "A brand new world story" in second.content.decode()
    for response in (first, second):
        modified, date = dates(response)
        assert modified <= date


@pytest.mark.django_db(transaction=True)
@pytest.mark.timeout(60)
@pytest.mark.parametrize("offset", AHEAD.values(), ids=AHEAD.keys())
def test_every_cacheable_page_through_the_front(offset):
    site = make_site()
    stamp_ahead(offset)
    paths = {name: path for name, (path, _) in every_path(site).items() if name in WEB_PAGES}
    with serving(recheck=0.0) as served:
        for name, path in paths.items():
            rendered = served.get(path)
            replayed = served.get(path)
            unchanged = served.get(path, headers={"If-Modified-Since": rendered.headers["last-modified"]})
            assert served.django.paths.count(path.split("?")[0]) == 1, name  # the 2nd and 3rd: from the front
            for response in (rendered, replayed, unchanged):
                assert len(response.headers.get_list("date")) == 1, (name, response.headers)
                modified, date = dates(response.headers)
                assert modified <= date, (name, response.status_code, response.headers)

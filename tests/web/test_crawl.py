"""A crawl of the demo sites under DEBUG off and on: no page, feed or file the site links answers 5xx.

The content is the demo's own: its partner wires served on loopback and ingested through
`source_refresh`, plus a published news release with a picture, a subscriber and a release
waiting for its sender's confirmation, so the token and media URLs have real objects. Each
brand is crawled from its front page (links of pages, feeds, sitemaps, JSON Feed and the
stylesheets), and every URL pattern of the urlconf is requested with a real object, the
admin's as a signed-in superuser. `sitemap.xml` used to answer 500 whenever DEBUG was on.
"""

from __future__ import annotations

import json
import posixpath
import re
import secrets
from collections import deque
from urllib.parse import urljoin, urlsplit

import lxml.etree
import lxml.html
import pytest
from django.core.files.base import ContentFile
from django.utils import timezone
from django.utils.http import parse_http_date

from tests.caches import clear_caches
from tests.releases.helpers_moderation import make_submission, png
from tests.web.every_url import Site, admin_paths, every_path, named_patterns
from wiredesk.brands.models import Brand
from wiredesk.core.http import GuardedClient
from wiredesk.demo.server import DemoWireServer
from wiredesk.demo.services import demo_load
from wiredesk.digest.models import Subscriber
from wiredesk.ingest.services import source_refresh
from wiredesk.releases.models import SubmissionImage
from wiredesk.releases.services.publish import release_publish
from wiredesk.sources.models import Source
from wiredesk.stories.models import Article, Story
from wiredesk.stories.selectors import articles_visible, preferred_member

pytestmark = [pytest.mark.django_db, pytest.mark.timeout(240)]

CSS_URL = re.compile(r"url\(\s*['\"]?([^'\")]+)")


@pytest.fixture
def demo(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    clear_caches()
    with DemoWireServer(port=0, interval=3600, initial=6) as wires:
        demo_load(wires_url=wires.url(""))
        client = GuardedClient(allow_networks=("127.0.0.1/32",), deadline=10, connect_timeout=2)
        for source in Source.objects.order_by("id"):
            report = source_refresh(source_id=source.id, client=client)
            assert report.status == "ok" and report.new, report.as_dict()
    brands = list(Brand.objects.order_by("id"))
    release = make_submission(brands[0])
    image = SubmissionImage(submission=release, caption="Riders at the lighthouse", credit="Photo: Saltmarsh CC",
                            width=64, height=48)
    image.file.save(f"{secrets.token_hex(16)}.png", ContentFile(png()), save=False)  # a name as uploads get
    image.width, image.height = 64, 48
    image.save()
    release_publish(submission=release, now=timezone.now())
    waiting = make_submission(brands[0], status="unverified", verified_at=None)
    subscriber = Subscriber.objects.create(brand=brands[0], email="reader@example.com", sections=["world"])
    article = articles_visible(brand=brands[0]).exclude(place_slug="").order_by("-published_at").first()
    # One event told by two wires: the article page names the other, the story page lists both.
    other = (articles_visible(brand=brands[0]).exclude(source_id=article.source_id).exclude(place_slug="")
             .order_by("-published_at").first())
    story = Story.objects.create(first_seen_at=other.published_at, last_updated_at=article.published_at, size=2)
    Article.objects.filter(id__in=[article.id, other.id]).update(story=story)
    article = preferred_member(brand=brands[0], article=Article.objects.get(id=article.id))
    site = Site(article=article, place_slug=article.place_slug, day=article.published_at.astimezone(brands[0].tz).date(),
                subscriber=subscriber, submission=waiting, image_name=posixpath.basename(image.file.name),
                story_id=story.id)
    clear_caches()
    yield brands, site
    clear_caches()


def links(response, base: str) -> set[str]:
    """The same-site addresses a response links to, as paths with their query."""
    kind = response["Content-Type"].split(";")[0].strip()
    body = response.content
    if kind == "text/html":
        doc = lxml.html.fromstring(body)
        found = doc.xpath("//a/@href | //link/@href | //img/@src | //script/@src"
                          " | //form[not(@method) or translate(@method, 'GET', 'get') = 'get']/@action")
    elif kind.endswith("xml"):
        root = lxml.etree.fromstring(body, lxml.etree.XMLParser(recover=False, resolve_entities=False))
        found = root.xpath("//*[local-name() = 'link' or local-name() = 'loc']/text()"
                           " | //*[local-name() = 'link']/@href")
    elif kind.endswith("json"):
        doc = json.loads(body)
        found = [doc.get("home_page_url"), doc.get("feed_url"), doc.get("icon"),
                 *(i.get(k) for i in doc.get("items", []) for k in ("url", "image"))]
    elif kind == "text/css":
        found = CSS_URL.findall(body.decode())
    elif kind == "text/plain":  # robots.txt names the sitemaps
        found = re.findall(r"^Sitemap:\s*(\S+)", body.decode(), re.MULTILINE)
    else:
        found = []
    out = set()
    host = urlsplit(base).netloc
    for url in filter(None, found):
        parts = urlsplit(urljoin(base, url.strip()))
        if parts.scheme in ("http", "https") and parts.netloc == host:
            out.add(parts.path + (f"?{parts.query}" if parts.query else ""))
    return out


def crawl(client, host: str) -> tuple[dict[str, int], list[str]]:
    """Breadth-first over every same-site link from the front page and robots.txt: {path: status}, problems."""
    seen: dict[str, int] = {}
    problems: list[str] = []
    todo = deque(["/", "/robots.txt"])
    while todo:
        path = todo.popleft()
        if path in seen:
            continue
        response = client.get(path, HTTP_HOST=host)
        seen[path] = response.status_code
        if response.status_code != 200:
            problems.append(f"{path} answered {response.status_code}")
            continue
        problems.extend(f"{path}: {p}" for p in date_problems(response))
        if not getattr(response, "streaming", False):
            todo.extend(links(response, f"http://{host}{path}") - seen.keys())
    return seen, problems


def date_problems(response) -> list[str]:
    """RFC 9110 8.8.2.1: a Last-Modified never later than the Date of the same response."""
    # Without a server, only the page cache writes Date (the front writes it on every response).
    if not response.has_header("Last-Modified") or not response.has_header("Date"):
        return []
    if parse_http_date(response["Last-Modified"]) > parse_http_date(response["Date"]):
        return [f"Last-Modified {response['Last-Modified']} after Date {response['Date']}"]
    return []


@pytest.mark.parametrize("debug", [False, True], ids=["debug-off", "debug-on"])
def test_every_linked_url_answers_without_a_server_error(client, settings, demo, debug):
    brands, _ = demo
    settings.DEBUG = debug
    for brand in brands:
        host = brand.hosts[0]
        seen, problems = crawl(client, host)
        assert not problems, (host, problems)
        # The crawl reached every kind of page, not just the front.
        kinds = {re.sub(r"\d+", "N", p.split("?")[0]).split("/")[1] for p in seen}
        assert kinds >= {"", "section", "story", "source", "feeds", "static", "brand.css", "newsletter",
                         "sitemap.xml", "news-sitemap.xml", "search", "releases", "archive"}, kinds
        assert brand != brands[0] or "media" in kinds  # the published release's picture
        assert any(p.startswith("/place/") for p in seen), host
        # The archive's index, months and days are all linked.
        assert {p.count("/") for p in seen if p.startswith("/archive/")} == {2, 4, 5}, host


@pytest.mark.parametrize("debug", [False, True], ids=["debug-off", "debug-on"])
def test_every_url_pattern_with_a_real_object(client, admin_client, settings, demo, debug):
    brands, site = demo
    settings.DEBUG = debug
    paths = every_path(site)
    assert set(paths) | {n for n in named_patterns() if n.startswith("admin:")} == named_patterns()
    host = brands[0].hosts[0]
    wrong = []
    for name, (path, statuses) in sorted(paths.items()):
        response = client.get(path, HTTP_HOST=host)
        if response.status_code not in statuses:
            wrong.append((name, path, response.status_code))
        wrong.extend((name, path, p) for p in date_problems(response))
    assert not wrong
    for name, admin_urls in admin_paths().items():
        for path in admin_urls:
            status = admin_client.get(path, HTTP_HOST=host).status_code
            assert status < 500, (name, path, status)


def test_a_missing_page_is_the_brands_own_404_with_debug_off(client, settings, demo):
    brands, _ = demo
    settings.DEBUG = False
    for brand in brands:
        for path in ("/no-such-page/", "/story/987654-no-such-story/", "/section/world/?page=999"):
            response = client.get(path, HTTP_HOST=brand.hosts[0])
            text = response.content.decode()
            assert response.status_code == 404, path
            doc = lxml.html.fromstring(text)
            assert doc.findtext(".//title") == f"Page not found | {brand.name}", path
            assert doc.xpath('//link[@rel="stylesheet"]/@href')[0].startswith("/static/")
            assert "URLconf" not in text and "DEBUG" not in text

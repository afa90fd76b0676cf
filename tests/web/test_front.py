"""The page front (wiredesk/web/front.py) served by a real uvicorn on loopback, Django behind it.

Django is the real WSGI application, wrapped only to count the requests that reach it: a page
the front answers never does. The database is committed (transactional tests) because Django
runs on the front's own thread with its own connection.
"""

from __future__ import annotations

import contextlib
import io
import socket
import sys
import threading
import time

import httpx
import pytest
import uvicorn
from django.contrib.auth import get_user_model
from django.db import connections

from tests.caches import clear_caches
from tests.web.factories import make_brand, make_source, store
from wiredesk.core.generation import content_changed
from wiredesk.project.web_worker import WebWorker
from wiredesk.project.wsgi import django_application
from wiredesk.stories.models import Article
from wiredesk.web.caching import FRONT_HEADER
from wiredesk.web.front import PageFront

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(60)]

HOST = "harbour.test"


class Counting:
    """Django's WSGI app, counting the paths that reach it."""

    def __init__(self) -> None:
        self.paths: list[str] = []

    def __call__(self, environ, start_response):
        self.paths.append(environ["PATH_INFO"])
        return django_application(environ, start_response)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Served:
    def __init__(self, front: PageFront, django: Counting, url: str) -> None:
        self.front, self.django, self.url = front, django, url
        self.client = httpx.Client(base_url=url, headers={"Host": HOST}, timeout=10)

    def get(self, path: str, **kw) -> httpx.Response:
        return self.client.get(path, **kw)


@contextlib.contextmanager
def serving(**front_options):
    """A uvicorn on loopback serving a PageFront over the counted Django app."""
    django = Counting()
    front = PageFront(django, **front_options)
    port = free_port()
    # uvicorn set up as `wiredesk web` sets up its workers.
    server = uvicorn.Server(uvicorn.Config(front, host="127.0.0.1", port=port, log_level="warning",
                                           **WebWorker.CONFIG_KWARGS))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    served = Served(front, django, f"http://127.0.0.1:{port}")
    try:
        yield served
    finally:
        served.client.close()
        server.should_exit = True
        thread.join(10)
        # Django's connection lives on the front's thread: close it there before the tables go.
        front.executor.submit(connections.close_all).result()
        front.executor.shutdown()


@pytest.fixture
def site():
    clear_caches()
    wire = make_source("Harbour Wire")
    make_brand("Harbour Herald", [HOST], sources=[wire])
    return wire


@pytest.fixture
def served(site):
    with serving(recheck=0.0) as s:
        yield s


def story_path(article: Article) -> str:
    return f"/story/{article.id}-{article.slug}/"


def test_the_front_answers_a_cached_page_without_django_until_content_changes(served, site):
    article = store(site, "Ferry fares rise at the harbour")
    path = story_path(article)

    first = served.get(path)
    assert first.status_code == 200 and "Ferry fares rise at the harbour" in first.text
    assert served.django.paths == [path]
    # The page keeps every header Django gave it; the front's internal one never leaves.
    assert FRONT_HEADER.lower() not in first.headers
    assert "script-src 'self'" in first.headers["content-security-policy"]
    assert first.headers["etag"] and first.headers["last-modified"]
    assert "s-maxage=" in first.headers["cache-control"]

    # A change written without telling anyone (no new content generation) is not seen:
    # the second answer is the front's copy, and Django was not asked.
    Article.objects.filter(id=article.id).update(title="Ferry fares fall at the harbour")
    second = served.get(path)
    assert second.status_code == 200 and second.content == first.content
    assert second.headers["etag"] == first.headers["etag"]
    assert second.headers["content-security-policy"] == first.headers["content-security-policy"]
    assert served.django.paths == [path]

    # New content lands: the next request renders again.
    content_changed()
    third = served.get(path)
    assert "Ferry fares fall at the harbour" in third.text
    assert served.django.paths == [path, path]


def test_conditional_get_and_head_are_answered_from_the_front(served, site):
    path = story_path(store(site, "Lighthouse reopens to visitors"))
    page = served.get(path)
    etag, last_modified = page.headers["etag"], page.headers["last-modified"]

    again = served.get(path, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == etag and "content-type" not in again.headers
    assert served.get(path, headers={"If-Modified-Since": last_modified}).status_code == 304
    assert served.get(path, headers={"If-None-Match": '"something-else"'}).status_code == 200

    head = served.client.head(path)
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-length"] == str(len(page.content))
    assert served.django.paths == [path]


def test_signed_in_staff_and_other_urls_go_to_django(served, site):
    path = story_path(store(site, "Rowing club wins the regatta"))
    served.get(path)
    # Another query string is another page (tracking junk cannot be served another URL's copy).
    served.get(path + "?utm_source=mail")
    assert served.django.paths == [path, path]

    user = get_user_model().objects.create_user("editor", password="pw-for-tests-only", is_staff=True)
    from django.test import Client

    client = Client()
    client.force_login(user)
    session = client.cookies["sessionid"].value
    with httpx.Client(base_url=served.url, headers={"Host": HOST}, cookies={"sessionid": session}) as signed_in:
        staff = signed_in.get(path)
    assert staff.status_code == 200 and staff.headers["cache-control"] == "private, no-store"
    assert served.django.paths == [path, path, path]
    # The staff answer was not kept for readers.
    reader = served.get(path)
    assert "s-maxage=" in reader.headers["cache-control"]
    assert served.django.paths == [path, path, path]


def test_pages_with_a_cookie_or_an_error_are_never_kept(served, site):
    # The sign-up form carries a CSRF token and sets its cookie: every request renders it.
    for _ in range(2):
        form = served.get("/newsletter/")
        assert form.status_code == 200
    assert served.django.paths == ["/newsletter/", "/newsletter/"]
    for _ in range(2):
        assert served.get("/story/999999-missing/").status_code == 404
    assert served.django.paths.count("/story/999999-missing/") == 2
    # An unknown host is refused by Django every time.
    for _ in range(2):
        assert served.client.get("/", headers={"Host": "unknown.test"}).status_code == 400
    assert not served.front.pages


def test_request_bodies_over_the_cap_are_refused_before_django(served, site):
    cap = served.front.body_cap
    # A declared length over the cap is answered before a byte of the body is sent.
    port = int(served.url.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
        raw.sendall(f"POST /newsletter/ HTTP/1.1\r\nHost: {HOST}\r\nContent-Length: {cap + 1}\r\n\r\n".encode())
        answer = raw.recv(4096)
    assert answer.startswith(b"HTTP/1.1 413 ")
    # Without a length (chunked), the body is counted as it arrives.

    def chunks():
        block = b"y" * (1024 * 1024)
        for _ in range(cap // len(block) + 2):
            yield block

    streamed = served.client.post("/newsletter/", content=chunks())
    assert streamed.status_code == 413
    assert "/newsletter/" not in served.django.paths
    # A normal form post still reaches Django (and fails its CSRF check there).
    assert served.client.post("/newsletter/", data={"email": "a@example.com"}).status_code == 403
    assert served.django.paths == ["/newsletter/"]


def test_memory_is_bounded_and_old_pages_leave_first(site):
    articles = [store(site, f"Market report number {i}") for i in range(12)]
    with serving(recheck=0.0) as s:
        s.get(story_path(articles[0]))
        page_size = s.front.used
        assert page_size > 0
        # Room for eight pages (one page may take at most an eighth of the budget).
        s.front.max_bytes = page_size * 8 + page_size // 2
        for article in articles[1:]:
            s.get(story_path(article))
        assert s.front.used <= s.front.max_bytes
        kept = [key[4] for key in s.front.pages]
        assert len(kept) == 8
        assert kept == [story_path(a) for a in articles[4:]]  # the oldest left first


def test_a_kept_page_expires_with_the_page_cache(site):
    path = story_path(store(site, "Orchard harvest begins early"))
    clock = [0.0]  # the front's clock, moved by hand: a slow first render is no expiry
    with serving(recheck=0.0, ttl=1, clock=lambda: clock[0]) as s:
        s.get(path)
        s.get(path)
        assert s.django.paths == [path]
        clock[0] = 1.1
        s.get(path)
        assert s.django.paths == [path, path]


def test_plain_wsgi_never_shows_the_internal_header(site):
    article = store(site, "Bridge repairs finish")
    seen: dict = {}

    def start_response(status, headers, exc_info=None):
        seen["status"], seen["headers"] = status, dict(headers)

    from wiredesk.project.wsgi import application

    environ = {
        "REQUEST_METHOD": "GET", "PATH_INFO": story_path(article), "QUERY_STRING": "", "SERVER_NAME": HOST,
        "SERVER_PORT": "80", "HTTP_HOST": HOST, "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(),
        "wsgi.errors": sys.stderr, "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "127.0.0.1",
    }
    body = b"".join(application(environ, start_response))
    assert seen["status"].startswith("200") and b"Bridge repairs finish" in body
    assert FRONT_HEADER not in seen["headers"] and "ETag" in seen["headers"]


def _at_once(served, path: str, readers: int) -> list[httpx.Response]:
    """``readers`` GETs of ``path``, each from a thread and connection of its own, started together."""
    results: list[httpx.Response] = []

    def reader():
        with httpx.Client(base_url=served.url, headers={"Host": HOST}, timeout=20) as client:
            results.append(client.get(path))

    threads = [threading.Thread(target=reader) for _ in range(readers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return results


def test_a_spike_on_a_page_whose_copy_expired_reaches_django_once(served, site):
    """Reliability S3: 40 readers at once on a story whose copy has just gone out of date.
    One request renders it again; the others get the old copy meanwhile (stale while
    revalidating); the next readers get the new one. Django is asked once, not 40 times."""
    article = store(site, "Ferry fares rise at the harbour")
    path = story_path(article)
    assert served.get(path).status_code == 200
    Article.objects.filter(id=article.id).update(title="Ferry fares fall at the harbour")
    content_changed()
    before = served.django.paths.count(path)
    results = _at_once(served, path, 40)
    assert [r.status_code for r in results] == [200] * 40
    assert served.django.paths.count(path) - before == 1
    titles = {("fall" if "fares fall" in r.text else "rise") for r in results}
    assert "fall" in titles  # the render that was made is served (old copies only meanwhile)
    assert "Ferry fares fall at the harbour" in served.get(path).text
    assert served.django.paths.count(path) - before == 1


def test_a_new_page_under_a_spike_is_rendered_once(served, site):
    article = store(site, "Harbour lights return")
    path = story_path(article)
    results = _at_once(served, path, 30)
    assert [r.status_code for r in results] == [200] * 30
    assert served.django.paths.count(path) == 1


def test_when_django_fails_the_last_good_copy_is_served_and_errors_are_never_kept(served, site, monkeypatch):
    """Stale if error: the front page's copy is out of date and Django fails to render it
    (the origin made to fail, as in tests/web/test_security.py): readers get the last good
    copy, not a 500; once Django renders again, the new page is served."""
    store(site, "Ferry fares rise at the harbour")
    good = served.get("/")
    assert good.status_code == 200
    content_changed()

    def explode(*args, **kwargs):
        raise RuntimeError("the origin fails")

    monkeypatch.setattr("wiredesk.web.views.fronts.rank_front", explode)
    for _ in range(3):
        again = served.get("/")
        assert again.status_code == 200 and again.content == good.content
    assert served.django.paths.count("/") == 4  # each tried Django; none kept the error
    monkeypatch.undo()
    store(site, "Harbour lights return")
    fresh = served.get("/")
    assert fresh.status_code == 200 and "Harbour lights return" in fresh.text

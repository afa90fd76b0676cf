"""Bad input: every case leaves a clear stored error, other sources untouched, no exception."""

from __future__ import annotations

import datetime as dt
import gzip
import socket
import threading
import time

import pytest

from tests.ingest.test_refresh_e2e import CAPTION_ITEM, FULL_ITEM, NOW, make_source, rss
from tests.loopback import LoopbackServer, Reply
from wiredesk.core.http import GuardedClient
from wiredesk.brands.models import Brand, BrandSource
from wiredesk.ingest.services import source_refresh
from wiredesk.search.selectors import search_articles
from wiredesk.sources.models import Source
from wiredesk.stories.models import Article

pytestmark = pytest.mark.django_db

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE rss [
 <!ENTITY a "lol">
 <!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
 <!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
 <!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">
 <!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;">
 <!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;">
 <!ENTITY g "&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;">
 <!ENTITY h "&g;&g;&g;&g;&g;&g;&g;&g;&g;&g;">
 <!ENTITY i "&h;&h;&h;&h;&h;&h;&h;&h;&h;&h;">
]>
<rss version="2.0"><channel><title>&i;</title><item><title>&i;</title><guid>x</guid></item></channel></rss>"""

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY secret SYSTEM "file:///etc/hostname">]>
<rss version="2.0"><channel><title>t</title><item><guid>x</guid><title>&secret;</title></item></channel></rss>"""


@pytest.fixture
def client():
    return GuardedClient(allow_networks=("127.0.0.1/32",), deadline=3, connect_timeout=2, max_bytes=15 * 2**20)


@pytest.fixture
def healthy(client):
    """A good source with stored articles that no failure elsewhere may touch."""
    with LoopbackServer() as srv:
        body = rss((FULL_ITEM + CAPTION_ITEM).format(base=srv.url("").rstrip("/")))
        srv.static("/good.xml", body, "application/rss+xml")
        source = make_source(srv.url("/good.xml"), name="Good Wire")
        assert source_refresh(source_id=source.id, client=client, now=NOW).new == 2
    snapshot = list(Article.objects.values_list("id", "title", "body_html", "changed_at"))
    yield source, snapshot
    assert list(Article.objects.values_list("id", "title", "body_html", "changed_at")) == snapshot
    assert Source.objects.get(id=source.id).consecutive_errors == 0


def refresh_bad(srv_url: str, client, **extra) -> tuple[Source, object]:
    bad = make_source(srv_url, name="Bad Wire", **extra)
    report = source_refresh(source_id=bad.id, client=client, now=NOW)
    bad.refresh_from_db()
    return bad, report


def assert_failed(bad: Source, report, code: str) -> None:
    assert report.status == "error"
    assert bad.last_error.startswith(code + ":"), bad.last_error
    assert len(bad.last_error) > len(code) + 5  # a sentence, not just a code
    assert bad.consecutive_errors == 1 and bad.last_error_at == NOW
    assert bad.next_check_at > NOW
    assert not Article.objects.filter(source=bad).exists()


@pytest.mark.parametrize(
    "body, content_type, code",
    [
        (b"<?xml version='1.0'?><rss><channel><title>broken</title><item><title>a</ti", "application/rss+xml", "malformed"),
        (BILLION_LAUGHS, "application/rss+xml", "xml_entities"),
        (XXE, "application/rss+xml", "xml_entities"),
        (b"<!doctype html><html><head><title>Home</title></head><body><p>Welcome</p></body></html>", "text/html", "not_a_feed"),
        (b"", "application/rss+xml", "empty_body"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "image/png", "not_a_feed"),
    ],
    ids=["ill-formed", "billion-laughs", "xxe", "html-page", "empty", "png"],
)
def test_unparseable_bodies(healthy, client, body, content_type, code):
    with LoopbackServer() as srv:
        srv.static("/bad", body, content_type)
        bad, report = refresh_bad(srv.url("/bad"), client)
    assert_failed(bad, report, code)
    if code == "xml_entities":
        assert "lollol" not in bad.last_error


def test_50_mb_body(healthy, client):
    with LoopbackServer() as srv:
        srv.static("/huge", b"<rss>" + b" " * (50 * 2**20), "application/rss+xml")
        bad, report = refresh_bad(srv.url("/huge"), client)
    assert_failed(bad, report, "too_large")


def test_gzip_bomb(healthy, client):
    bomb = gzip.compress(b"\0" * (200 * 2**20), compresslevel=9)  # 200 MiB expands from ~200 KiB
    with LoopbackServer() as srv:
        srv.static("/bomb", bomb, "application/rss+xml", **{"Content-Encoding": "gzip"})
        bad, report = refresh_bad(srv.url("/bomb"), client)
    assert_failed(bad, report, "too_large")


def test_redirect_loop(healthy, client):
    with LoopbackServer() as srv:
        srv.route("/a", lambda req: Reply(302, b"", {"Location": "/b"}))
        srv.route("/b", lambda req: Reply(302, b"", {"Location": "/a"}))
        bad, report = refresh_bad(srv.url("/a"), client)
        assert srv.hits("/a") + srv.hits("/b") <= 6
    assert_failed(bad, report, "too_many_redirects")


def trickle_server() -> tuple[socket.socket, int]:
    """Answers with headers, then one byte a second, forever."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(5)

    def serve() -> None:
        while True:
            try:
                conn, _ = sock.accept()
            except OSError:
                return
            conn.recv(4096)
            try:
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\nContent-Length: 100000\r\n\r\n")
                for _ in range(60):
                    conn.sendall(b" ")
                    time.sleep(1)
            except OSError:
                pass
            finally:
                conn.close()

    threading.Thread(target=serve, daemon=True).start()
    return sock, sock.getsockname()[1]


def test_trickling_server_hits_the_total_deadline(healthy, client):
    sock, port = trickle_server()
    try:
        started = time.monotonic()
        bad, report = refresh_bad(f"http://127.0.0.1:{port}/feed", client)
        elapsed = time.monotonic() - started
    finally:
        sock.close()
    assert_failed(bad, report, "timeout")
    assert elapsed < 3 + 1.5


def test_private_address_is_refused(healthy):
    strict = GuardedClient(deadline=3)  # no allowlist: loopback is private
    with LoopbackServer() as canary:
        canary.static("/feed", rss(""), "application/rss+xml")
        bad, report = refresh_bad(canary.url("/feed"), strict)
        assert canary.hits("/feed") == 0
    assert_failed(bad, report, "blocked_address")


def test_redirect_to_a_private_address_is_refused(healthy):
    # Only 127.0.0.1 is admitted; 127.0.0.2 stands for an internal host behind a public one.
    with LoopbackServer(host="127.0.0.2") as canary, LoopbackServer() as srv:
        canary.static("/admin", rss(""), "application/rss+xml")
        srv.route("/feed", lambda req: Reply(301, b"", {"Location": canary.url("/admin")}))
        client = GuardedClient(allow_networks=("127.0.0.1/32",), deadline=3)
        bad, report = refresh_bad(srv.url("/feed"), client)
        assert canary.hits("/admin") == 0
    assert_failed(bad, report, "blocked_address")
    assert bad.feed_url == srv.url("/feed")  # an invalid redirect target is never persisted


def test_gone_pauses_the_source(healthy, client):
    with LoopbackServer() as srv:
        srv.route("/feed", lambda req: Reply(410, b"gone", {"Content-Type": "text/plain"}))
        bad, report = refresh_bad(srv.url("/feed"), client)
    assert report.status == "error" and bad.last_error.startswith("gone:")
    assert not bad.enabled and "410" in bad.paused_reason


def test_rate_limited_source_waits_for_retry_after(healthy, client):
    with LoopbackServer() as srv:
        srv.route("/feed", lambda req: Reply(429, b"slow down", {"Retry-After": "3600"}))
        bad, report = refresh_bad(srv.url("/feed"), client)
    assert bad.last_error.startswith("rate_limited:")
    assert bad.next_check_at == NOW + dt.timedelta(seconds=3600)


def test_repeated_errors_back_off(healthy, client):
    with LoopbackServer() as srv:
        srv.route("/feed", lambda req: Reply(500, b"oops", {"Content-Type": "text/plain"}))
        bad = make_source(srv.url("/feed"), name="Flaky", min_interval_seconds=60)
        waits = []
        for _ in range(6):
            source_refresh(source_id=bad.id, client=client, now=NOW)
            bad.refresh_from_db()
            waits.append((bad.next_check_at - NOW).total_seconds())
    assert bad.consecutive_errors == 6
    assert waits[-1] > waits[0] and waits[-1] >= 60 * 2**4 / 2


def test_contradictory_charsets_decode_to_the_right_text(client):
    body = rss("<item><guid>c1</guid><title>Caf\u00e9 owners\u2019 plea</title><description>d</description></item>").encode("utf-8")
    with LoopbackServer() as srv:
        srv.static("/feed", body, "application/rss+xml; charset=iso-8859-1")
        source = make_source(srv.url("/feed"))
        report = source_refresh(source_id=source.id, client=client, now=NOW)
    assert report.new == 1
    assert Article.objects.get().title == "Caf\u00e9 owners\u2019 plea"


def test_unparseable_dates_fall_back_to_fetch_time(client):
    item = FULL_ITEM.replace("Thu, 19 Nov 2026 08:30:00 +0000", "the thirty-first of Febtember")
    with LoopbackServer() as srv:
        srv.route("/feed", lambda req: Reply(200, rss(item.format(base=srv.url("").rstrip("/"))), {"Content-Type": "application/rss+xml"}))
        source = make_source(srv.url("/feed"))
        assert source_refresh(source_id=source.id, client=client, now=NOW).new == 1
    assert Article.objects.get().published_at == NOW


def test_an_unexpected_crash_is_recorded_not_raised(healthy, client):
    with LoopbackServer() as srv:
        srv.static("/feed", rss(FULL_ITEM.format(base=srv.url("").rstrip("/"))), "application/rss+xml")
        # A section map that slipped past validation (written by hand in the database).
        bad, report = refresh_bad(srv.url("/feed"), client, section_map=["not", "a", "mapping"])
    assert_failed(bad, report, "internal_error")


def test_section_map_is_validated():
    from django.core.exceptions import ValidationError

    source = Source(name="x", credit="x", feed_url="https://x.example/feed", section_map={"Markets": "finance"})
    with pytest.raises(ValidationError, match="finance"):
        source.full_clean()


def test_a_feed_that_carries_one_story_twice(client):
    """One GUID twice in a document is one item (equal dates: the first listed wins), stored once and
    indexed once."""
    twice = FULL_ITEM + FULL_ITEM.replace("Harbour board approves new ferry berth", "Harbour board approves second berth")
    with LoopbackServer() as srv:
        srv.static("/twice.xml", rss(twice.format(base=srv.url("").rstrip("/"))), "application/rss+xml")
        source = make_source(srv.url("/twice.xml"), name="Echo Wire")
        report = source_refresh(source_id=source.id, client=client, now=NOW)
    assert (report.status, report.new, report.updated, report.failed_items) == ("ok", 1, 0, 0), report.as_dict()
    stored = Article.objects.get(source=source)
    assert stored.title == "Harbour board approves new ferry berth" and stored.revision == 1
    brand = Brand.objects.create(name="Echo Herald", hosts=["echo.test"])
    BrandSource.objects.create(brand=brand, source=source)
    found = search_articles(brand=brand, query="berth")
    assert found.total == 1 and [h.article.id for h in found.hits] == [stored.id]


def test_article_links_at_or_redirecting_to_a_private_address_are_never_fetched(client):
    """Reliability E4: a summary-only item's link is fetched through the same guarded client
    as the feed, so a link to an internal host, or one redirecting there, is refused: the
    canary never sees a connection and the item keeps its feed text."""
    # Only 127.0.0.1 is admitted; 127.0.0.2 stands for an internal host.
    with LoopbackServer(host="127.0.0.2") as canary, LoopbackServer() as srv:
        canary.static("/secret", b"<html><body><p>INTERNAL ONLY</p></body></html>", "text/html")
        srv.route("/bounce", lambda req: Reply(302, b"", {"Location": canary.url("/secret")}))

        def entry(n: int, link: str) -> str:
            return (f"<item><guid>e4-{n}</guid><title>Harbour item {n}</title><link>{link}</link>"
                    f"<pubDate>Thu, 19 Nov 2026 0{n}:00:00 +0000</pubDate>"
                    f"<description>Summary {n} of the harbour item from the wire.</description></item>")

        body = rss(entry(1, canary.url("/secret")) + entry(2, srv.url("/bounce"))
                   + entry(3, "http://169.254.169.254/latest/meta-data/") + entry(4, "file:///etc/passwd"))
        srv.static("/feed.xml", body, "application/rss+xml")
        source = make_source(srv.url("/feed.xml"), name="Link Wire")
        report = source_refresh(source_id=source.id, client=client, now=NOW)
        assert canary.hits("/secret") == 0 and srv.hits("/bounce") == 1  # the hop to it was refused
    assert report.new == 4, report.as_dict()  # the items are kept, with the text their feed carried
    stored = dict(Article.objects.filter(source=source).values_list("guid", "body_html"))
    assert set(stored) == {"e4-1", "e4-2", "e4-3", "e4-4"}
    for n in range(1, 5):
        assert f"Summary {n} of the harbour item" in stored[f"e4-{n}"]
        assert "INTERNAL ONLY" not in stored[f"e4-{n}"]


def test_the_server_never_fetches_a_wires_images(client):
    """Reliability E7, decided: wiredesk keeps no image proxy or cache. A wire's pictures are
    stored as addresses and shown by the reader's browser from hosts the operator lists in
    WIREDESK_IMAGE_SOURCES (the pages' img-src); the server itself asks for none of them,
    at ingest or when it renders the page, even on an admitted host."""
    from django.test import Client

    from tests.web.factories import make_brand
    from wiredesk.brands.models import BrandSource
    from wiredesk.web.views.article import article_url

    with LoopbackServer() as srv:
        base = srv.url("").rstrip("/")
        srv.static("/pic.jpg", b"\xff\xd8\xff\xe0 not really a picture", "image/jpeg")
        body = rss(
            f"<item><guid>pic-1</guid><title>Harbour lights return</title><link>{base}/story</link>"
            "<pubDate>Thu, 19 Nov 2026 05:00:00 +0000</pubDate>"
            f'<enclosure url="{base}/pic.jpg?e" type="image/jpeg" length="100"/>'
            f'<media:content url="{base}/pic.jpg?m" medium="image"/>'
            f'<content:encoded><![CDATA[<p>PORT ELLIS: The harbour lights were lit again on Friday.</p>'
            f'<img src="{base}/pic.jpg?i" alt="The lights"><p>Crowds watched from the quay.</p>]]></content:encoded></item>'
        )
        srv.static("/feed.xml", body, "application/rss+xml")
        source = make_source(srv.url("/feed.xml"), name="Picture Wire")
        assert source_refresh(source_id=source.id, client=client, now=NOW).new == 1
        brand = make_brand("Picture Post", ["pictures.test"])
        BrandSource.objects.create(brand=brand, source=source)
        article = Article.objects.get(source=source)
        assert f"{base}/pic.jpg" in article.body_html  # kept as an address, for the browser
        reader = Client()
        for path in ("/", article_url(article)):
            assert reader.get(path, HTTP_HOST="pictures.test").status_code == 200
        assert srv.hits("/pic.jpg") == 0


def test_a_feed_that_crashes_every_refresh_is_paused_after_three(healthy, client):
    """Reliability W2: a poison feed is quarantined, not retried for ever. Each crash is
    recorded and backed off; the third in a row pauses the source with the reason shown;
    a paused source is not refreshed; another kind of error in between resets the count."""
    from wiredesk.ingest.services import CRASH_LIMIT

    with LoopbackServer() as srv:
        srv.static("/feed", rss(FULL_ITEM.format(base=srv.url("").rstrip("/"))), "application/rss+xml")
        # A section map that slipped past validation (written by hand in the database).
        bad = make_source(srv.url("/feed"), name="Poison Wire", section_map=["not", "a", "mapping"])
        for n in range(1, CRASH_LIMIT + 1):
            report = source_refresh(source_id=bad.id, client=client, now=NOW + dt.timedelta(hours=n))
            bad.refresh_from_db()
            assert report.error.startswith("internal_error") and bad.consecutive_crashes == n
            assert bad.enabled == (n < CRASH_LIMIT)
        assert bad.paused_reason.startswith(f"paused: {CRASH_LIMIT} refreshes in a row crashed")
        assert bad.last_error.startswith("internal_error")
        hits = srv.hits("/feed")
        assert source_refresh(source_id=bad.id, client=client, now=NOW + dt.timedelta(days=1)).status == "skipped"
        assert srv.hits("/feed") == hits  # quarantined: not fetched again

        # Crashes must be in a row: a network error between two resets the count.
        other = make_source(srv.url("/feed") + "?b", name="Flaky Wire", section_map=["x"])
        source_refresh(source_id=other.id, client=client, now=NOW)
        Source.objects.filter(id=other.id).update(feed_url=srv.url("/missing"), section_map={})
        source_refresh(source_id=other.id, client=client, now=NOW + dt.timedelta(hours=1))
        other.refresh_from_db()
        assert other.consecutive_crashes == 0 and other.enabled and other.consecutive_errors == 2


def test_one_failing_route_backs_off_alone_but_a_429_holds_its_whole_host(client):
    """Reliability F10: many feeds on one host (an RSSHub-like server). A route answering 503
    backs off only that feed; a 429 (the host asking to slow down) holds every feed of that
    host until its Retry-After, and no feed of another host."""
    from tests.ingest.test_tasks import rss as small_rss

    with LoopbackServer() as big, LoopbackServer(host="127.0.0.2") as other_host:
        base = big.url("").rstrip("/")
        for n in range(12):
            big.route(f"/r/{n}.xml", lambda req, n=n: Reply(200, small_rss(base, f"r{n}"), {"Content-Type": "application/rss+xml"}))
        big.route("/r/broken.xml", lambda req: Reply(503, b"route down", {"Content-Type": "text/plain"}))
        big.route("/r/busy.xml", lambda req: Reply(429, b"slow down", {"Retry-After": "3600"}))
        other_host.route("/w.xml", lambda req: Reply(200, small_rss(other_host.url("").rstrip("/"), "w"),
                                                     {"Content-Type": "application/rss+xml"}))
        healthy = [make_source(big.url(f"/r/{n}.xml"), name=f"Route {n}") for n in range(12)]
        broken = make_source(big.url("/r/broken.xml"), name="Broken route")
        elsewhere = make_source(other_host.url("/w.xml"), name="Other host")
        wide = GuardedClient(allow_networks=("127.0.0.0/8",), deadline=3, connect_timeout=2, max_bytes=2**20)
        for source in [*healthy, broken, elsewhere]:
            source_refresh(source_id=source.id, client=wide, now=NOW)
        rows = {s.id: s for s in Source.objects.all()}
        assert rows[broken.id].consecutive_errors == 1 and "503" in rows[broken.id].last_error
        assert all(rows[s.id].consecutive_errors == 0 for s in healthy)
        healthy_next = {s.id: rows[s.id].next_check_at for s in healthy}
        assert all(n < NOW + dt.timedelta(hours=1) for n in healthy_next.values())  # on their own schedule

        busy = make_source(big.url("/r/busy.xml"), name="Busy route")
        later = NOW + dt.timedelta(minutes=1)
        source_refresh(source_id=busy.id, client=wide, now=later)
        rows = {s.id: s for s in Source.objects.all()}
        held_until = later + dt.timedelta(seconds=3600)
        assert rows[busy.id].next_check_at == held_until
        assert all(rows[s.id].next_check_at >= held_until for s in [*healthy, broken])  # the host's every feed
        assert rows[elsewhere.id].next_check_at < held_until  # another host is not held

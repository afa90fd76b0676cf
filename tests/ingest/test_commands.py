"""The ingest CLI (sources, fetch, stats) through call_command, against real loopback feeds."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import re

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from tests.loopback import LoopbackServer, Reply
from wiredesk.core.http import client_reset
from wiredesk.sources.models import Source
from wiredesk.sources.opml import parse_opml
from wiredesk.stories.models import Article

pytestmark = pytest.mark.django_db

RSS_TYPE = "application/rss+xml; charset=utf-8"


def rss(base: str, items: list[str], title: str = "Quayside Ledger") -> str:
    return f"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">
<channel><title>{title}</title><link>{base}/</link><description>the quay's news</description>
{"".join(items)}
</channel></rss>"""


def item(base: str, n: int) -> str:
    # Full content in the feed: no article page is fetched.
    return f"""<item><guid>ledger-{n}</guid><title>Harbour story number {n}</title>
<link>{base}/news/{n}</link><pubDate>Thu, 19 Nov 2026 0{n}:30:00 +0000</pubDate>
<content:encoded><![CDATA[<p>PORT ELLIS, Westmark: Story {n} about the harbour board and the ferry berth at the
north quay, with enough words to be a real article body for the pipeline.</p>
<p>A second paragraph of story {n}.</p>]]></content:encoded></item>"""


class Wire:
    """A loopback feed of three items with ETag / If-None-Match."""

    def __init__(self, srv: LoopbackServer, path: str = "/feed.xml") -> None:
        self.srv = srv
        self.path = path
        self.conditional_hits = 0
        srv.route(path, self.feed)

    @property
    def base(self) -> str:
        return self.srv.url("").rstrip("/")

    def body(self) -> str:
        return rss(self.base, [item(self.base, n) for n in (1, 2, 3)])

    def feed(self, req) -> Reply:
        body = self.body()
        etag = '"' + hashlib.sha256(body.encode()).hexdigest()[:16] + '"'
        if req.headers.get("if-none-match") == etag:
            self.conditional_hits += 1
            return Reply(304, b"", {"ETag": etag})
        return Reply(200, body, {"Content-Type": RSS_TYPE, "ETag": etag})


@pytest.fixture
def loopback_allowed(settings):
    """Admit 127.0.0.1 in the guarded client that the commands build from settings."""
    settings.FETCH = {**settings.FETCH, "allow_networks": ("127.0.0.1/32",), "deadline": 10, "connect_timeout": 3}
    client_reset()
    yield
    client_reset()


@pytest.fixture
def srv():
    with LoopbackServer() as server:
        yield server


def run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


# --- sources add ----------------------------------------------------------------------------


def test_add_a_direct_feed_url(loopback_allowed, srv):
    wire = Wire(srv)
    out, _ = run("sources", "add", srv.url("/feed.xml"))
    source = Source.objects.get()
    assert source.feed_url == srv.url("/feed.xml")
    assert source.name == "Quayside Ledger" and source.credit == "Quayside Ledger"
    assert source.home_url == wire.base + "/"
    assert source.format == "rss" and source.enabled
    assert f"added source {source.id}: Quayside Ledger <{source.feed_url}>" in out


def test_add_a_home_page_follows_its_alternate_link(loopback_allowed, srv):
    Wire(srv)
    srv.static(
        "/",
        '<!doctype html><html><head><title>Quayside Ledger</title>'
        '<link rel="stylesheet" href="/site.css">'
        '<link rel="alternate" type="application/rss+xml" title="Latest" href="/feed.xml">'
        "</head><body><h1>Quayside Ledger</h1></body></html>",
        "text/html; charset=utf-8",
    )
    out, _ = run("sources", "add", srv.url("/"), "--name", "Ledger", "--credit", "Ledger.example")
    source = Source.objects.get()
    assert source.feed_url == srv.url("/feed.xml")  # the advertised feed, not the page
    assert (source.name, source.credit) == ("Ledger", "Ledger.example")
    assert srv.hits("/") == 1 and srv.hits("/feed.xml") == 1
    assert "added source" in out

    # The same feed again, directly or through the home page, is refused.
    for url in (srv.url("/feed.xml"), srv.url("/")):
        with pytest.raises(CommandError, match=re.escape(f"{srv.url('/feed.xml')} is already a source")):
            run("sources", "add", url)
    assert Source.objects.count() == 1


def test_add_a_page_without_feed_links_is_refused(loopback_allowed, srv):
    srv.static("/about", "<html><head><title>About</title></head><body><p>no feeds here</p></body></html>", "text/html")
    with pytest.raises(CommandError, match=r"is not a feed .*and advertises no feed"):
        run("sources", "add", srv.url("/about"))
    assert not Source.objects.exists()


def test_add_unreadable_advertised_feed_is_refused(loopback_allowed, srv):
    srv.static("/", '<html><head><link rel="alternate" type="application/atom+xml" href="/gone.xml"></head></html>', "text/html")
    with pytest.raises(CommandError, match="none of the 1 feeds advertised"):
        run("sources", "add", srv.url("/"))
    assert not Source.objects.exists()


def test_add_a_private_address_is_blocked_unless_admitted(settings, srv):
    settings.FETCH = {**settings.FETCH, "allow_networks": ()}
    client_reset()
    try:
        Wire(srv)
        with pytest.raises(CommandError, match="blocked") as err:
            run("sources", "add", srv.url("/feed.xml"))
        assert "127.0.0.1" in str(err.value)
        assert srv.requests == []  # refused before connecting
        assert not Source.objects.exists()
    finally:
        client_reset()


def test_add_a_non_http_url_is_refused():
    with pytest.raises(CommandError, match="not an http"):
        run("sources", "add", "javascript:alert(1)")


# --- OPML -----------------------------------------------------------------------------------

OPML = """<?xml version="1.0" encoding="UTF-8"?>
<opml version="2.0"><head><title>partner wires</title></head><body>
  <outline text="Business">
    <outline type="rss" text="Quayside Ledger" xmlUrl="https://ledger.example/feed" htmlUrl="https://ledger.example/"/>
  </outline>
  <outline type="rss" title="Fjordline Post &amp; Star" xmlUrl="https://fjordline.example/rss?x=1&amp;y=2"/>
  <outline type="rss" title="Ledger again" xmlUrl="https://ledger.example/feed"/>
  <outline type="rss" title="Evil" xmlUrl="javascript:alert(1)"/>
</body></opml>"""


def test_import_opml_skips_duplicates_and_non_http_urls(tmp_path):
    path = tmp_path / "wires.opml"
    path.write_text(OPML, encoding="utf-8")
    out, _ = run("sources", "import-opml", str(path))
    assert "2 added, 2 skipped" in out
    assert "skipped javascript:alert(1)" in out and "skipped https://ledger.example/feed" in out
    by_url = {s.feed_url: s for s in Source.objects.all()}
    assert set(by_url) == {"https://ledger.example/feed", "https://fjordline.example/rss?x=1&y=2"}
    ledger = by_url["https://ledger.example/feed"]
    assert (ledger.name, ledger.home_url, ledger.default_section) == ("Quayside Ledger", "https://ledger.example/", "business")
    assert by_url["https://fjordline.example/rss?x=1&y=2"].name == "Fjordline Post & Star"

    # Importing the same file again adds nothing.
    out, _ = run("sources", "import-opml", str(path))
    assert "0 added, 4 skipped" in out and Source.objects.count() == 2


def test_export_opml_round_trips(tmp_path):
    path = tmp_path / "wires.opml"
    path.write_text(OPML, encoding="utf-8")
    run("sources", "import-opml", str(path))
    Source.objects.create(name="Ålesund Tidende <nord>", credit="ÅT", feed_url="https://aalesund.example/feed.json")

    out, _ = run("sources", "export-opml")
    outlines = parse_opml(out.encode("utf-8"))
    assert {(o.title, o.feed_url, o.home_url) for o in outlines} == {
        (s.name, s.feed_url, s.home_url) for s in Source.objects.all()
    }
    assert len(outlines) == 3

    # And the export imports cleanly into an empty database.
    exported = tmp_path / "export.opml"
    exported.write_text(out, encoding="utf-8")
    Source.objects.all().delete()
    out, _ = run("sources", "import-opml", str(exported))
    assert "3 added, 0 skipped" in out
    assert Source.objects.filter(name="Ålesund Tidende <nord>").exists()


@pytest.mark.parametrize(
    "content, message",
    [
        ("this is not xml <", "not well-formed"),
        ("<html><body/></html>", "not <opml>"),
        ('<!DOCTYPE opml [<!ENTITY x "y">]><opml version="2.0"><body/></opml>', "DTD"),
        ('<opml version="2.0"><head/></opml>', "no <body>"),
    ],
)
def test_import_bad_opml_is_a_command_error(tmp_path, content, message):
    path = tmp_path / "bad.opml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(CommandError, match=re.escape(message)) as err:
        run("sources", "import-opml", str(path))
    assert str(path) in str(err.value)
    assert not Source.objects.exists()


def test_import_missing_file_is_a_command_error(tmp_path):
    with pytest.raises(CommandError, match="cannot read"):
        run("sources", "import-opml", str(tmp_path / "missing.opml"))


# --- list, pause, resume --------------------------------------------------------------------


def _row(table: str, name: str) -> str:
    rows = [line for line in table.splitlines() if name in line]
    assert len(rows) == 1, f"{name!r} not on exactly one line of:\n{table}"
    return rows[0]


def test_list_shows_each_source_with_its_status():
    now = timezone.now()
    Source.objects.create(name="Alpha Wire", credit="a", feed_url="https://alpha.example/feed", last_success_at=now)
    Source.objects.create(name="Bravo Wire", credit="b", feed_url="https://bravo.example/feed",
                          consecutive_errors=2, last_error="http_status: HTTP 500", last_success_at=now - dt.timedelta(days=1))
    Source.objects.create(name="Charlie Wire", credit="c", feed_url="https://charlie.example/feed",
                          enabled=False, paused_reason="paused from the command line")
    Source.objects.create(name="Delta Wire", credit="d", feed_url="https://delta.example/feed")
    Source.objects.create(name="Echo Wire", credit="e", feed_url="https://echo.example/feed", consecutive_errors=50)

    out, _ = run("sources", "list")
    expected = {"Alpha Wire": "ok", "Bravo Wire": "failing", "Charlie Wire": "paused", "Delta Wire": "new", "Echo Wire": "broken"}
    for name, status in expected.items():
        cells = [c.strip() for c in re.split(r"[│|]", _row(out, name))]
        assert status in cells, (name, cells)
    assert "HTTP 500" in _row(out, "Bravo Wire")
    assert "paused from the command line" in _row(out, "Charlie Wire")


def test_pause_and_resume_by_name_and_id():
    source = Source.objects.create(name="Alpha Wire", credit="a", feed_url="https://alpha.example/feed",
                                   consecutive_errors=3, next_check_at=timezone.now() + dt.timedelta(hours=5))
    out, _ = run("sources", "pause", "alpha wire")  # names match case-insensitively
    assert f"paused source {source.id}: Alpha Wire" in out
    source.refresh_from_db()
    assert not source.enabled and source.paused_reason
    assert "paused" in [c.strip() for c in re.split(r"[│|]", _row(run("sources", "list")[0], "Alpha Wire"))]

    out, _ = run("sources", "resume", str(source.id))
    assert f"resumed source {source.id}: Alpha Wire" in out
    source.refresh_from_db()
    assert source.enabled and source.paused_reason == ""
    assert source.consecutive_errors == 0 and source.next_check_at is None  # polled at once

    with pytest.raises(CommandError, match="no source 'Nobody'"):
        run("sources", "pause", "Nobody")


# --- fetch and stats ------------------------------------------------------------------------


@pytest.fixture
def two_feeds(loopback_allowed, srv):
    """A good feed of three items, a feed answering 500, and a paused source."""
    wire = Wire(srv)
    srv.route("/broken.xml", lambda req: Reply(500, "upstream exploded", {"Content-Type": "text/plain"}))
    Wire(srv, "/paused.xml")
    good = Source.objects.create(name="Quayside Ledger", credit="Ledger", feed_url=srv.url("/feed.xml"))
    bad = Source.objects.create(name="Broken Wire", credit="Broken", feed_url=srv.url("/broken.xml"))
    Source.objects.create(name="Paused Wire", credit="Paused", feed_url=srv.url("/paused.xml"), enabled=False)
    return wire, good, bad


def test_fetch_all_json_counts_and_conditional_get(two_feeds):
    wire, good, bad = two_feeds
    out, _ = run("fetch", "--all", "--json")
    summary = json.loads(out)
    assert {k: summary[k] for k in ("sources", "new", "updated", "unchanged", "failed")} == {
        "sources": 2, "new": 3, "updated": 0, "unchanged": 0, "failed": 1,
    }
    assert summary["not_modified"] == 0 and summary["failed_items"] == 0
    assert [e["source_id"] for e in summary["errors"]] == [bad.id]
    assert "500" in summary["errors"][0]["error"]
    assert Article.objects.filter(source=good).count() == 3 and not Article.objects.filter(source=bad).exists()
    assert wire.srv.hits("/paused.xml") == 0  # --all means every enabled source

    bad.refresh_from_db()
    assert bad.consecutive_errors == 1 and bad.last_status == 500

    out, _ = run("fetch", "--all", "--json")
    again = json.loads(out)
    assert {k: again[k] for k in ("new", "updated", "unchanged", "failed", "not_modified")} == {
        "new": 0, "updated": 0, "unchanged": 0, "failed": 1, "not_modified": 1,
    }
    assert wire.conditional_hits == 1
    assert Article.objects.count() == 3


def test_fetch_by_name_and_by_id(two_feeds):
    wire, good, bad = two_feeds
    out, err = run("fetch", "quayside ledger")
    assert "1 sources: 3 new, 0 updated, 0 unchanged, 0 failed" in out
    assert err == "" and wire.srv.hits("/broken.xml") == 0

    out, err = run("fetch", str(good.id), str(bad.id))
    assert "2 sources: 0 new, 0 updated, 0 unchanged, 1 failed (1 not modified since last fetch)" in out
    assert f"failed: Broken Wire (id {bad.id})" in err

    out, _ = run("fetch", good.feed_url, "--json")  # by feed URL too
    assert json.loads(out)["not_modified"] == 1


def test_fetch_needs_sources_or_all(two_feeds):
    with pytest.raises(CommandError, match="name the sources to fetch, or pass --all"):
        run("fetch")
    with pytest.raises(CommandError, match="name the sources to fetch, or pass --all"):
        run("fetch", "--all", "Quayside Ledger")
    with pytest.raises(CommandError, match="no source 'Nobody'"):
        run("fetch", "Nobody")
    assert not Article.objects.exists()


def test_stats_json_matches_the_database(two_feeds):
    out, _ = run("stats", "--json")
    empty = json.loads(out)
    assert (empty["sources"], empty["sources_enabled"], empty["articles"]) == (3, 2, 0)

    run("fetch", "--all", "--json")
    stats = json.loads(run("stats", "--json")[0])
    assert stats["sources"] == Source.objects.count() == 3
    assert stats["articles"] == Article.objects.count() == 3
    assert stats["sources_failing"] == 1 and stats["duplicates"] == 0
    assert sum(stats["articles_by_section"].values()) == 3


def test_an_advertised_feed_at_a_private_address_is_refused(loopback_allowed, srv):
    """Reliability F12: autodiscovery goes through the same guard as every fetch. A public
    page (here the admitted 127.0.0.1) whose alternate link points at an internal host
    (127.0.0.2, not admitted) adds nothing, and that host never sees a connection."""
    from tests.loopback import LoopbackServer

    with LoopbackServer(host="127.0.0.2") as inside:
        inside.static("/feed.xml", "<rss version='2.0'><channel><title>x</title></channel></rss>", "application/rss+xml")
        srv.static(
            "/",
            '<!doctype html><html><head><title>Quayside Ledger</title>'
            f'<link rel="alternate" type="application/rss+xml" title="Latest" href="{inside.url("/feed.xml")}">'
            "</head><body><h1>Quayside Ledger</h1></body></html>",
            "text/html; charset=utf-8",
        )
        with pytest.raises(CommandError) as refused:
            run("sources", "add", srv.url("/"), "--name", "Ledger", "--credit", "Ledger.example")
        assert f"{inside.url('/feed.xml')}: blocked_address" in str(refused.value), str(refused.value)
        assert inside.hits("/feed.xml") == 0
    assert Source.objects.count() == 0

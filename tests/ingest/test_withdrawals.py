"""A source's own withdrawals, against a real loopback server: a page that answers 410 or 404
on a recheck, or an Atom tombstone in the feed, withdraws our copy (setting "follow") or flags
it for an editor ("flag"); any other answer says nothing."""

from __future__ import annotations

import datetime as dt
from xml.sax.saxutils import quoteattr

import pytest
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.caches import clear_caches
from tests.loopback import LoopbackServer, Reply
from tests.web.factories import get, make_brand
from wiredesk.core.http import GuardedClient
from wiredesk.ingest.formats.xmlfeeds import parse_xml
from wiredesk.ingest.services import source_refresh
from wiredesk.ingest.withdrawals import articles_recheck
from wiredesk.sources.models import Source
from wiredesk.stories.models import Article, AuditEntry, Takedown

HOST = "ridge.test"
PAGE = ("<html><head><title>{t}</title></head><body><article><h1>{t}</h1>"
        + "<p>Ridgeway council met on Thursday to hear objections to the new quarry road. " * 6
        + "</p></article></body></html>")


def rss(server, n: int) -> str:
    now = timezone.now()
    items = "".join(
        f"<item><title>Quarry road story {i}</title><guid>q-{i}</guid><link>{server.url(f'/news/{i}')}</link>"
        f"<pubDate>{(now - dt.timedelta(hours=i + 1)).strftime('%a, %d %b %Y %H:%M:%S GMT')}</pubDate>"
        f"<description>Summary {i}.</description></item>"
        for i in range(n)
    )
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>Ridge</title>{items}</channel></rss>'


@pytest.fixture
def ridge(db):
    clear_caches()
    http = GuardedClient(allow_networks=("127.0.0.1/32",), deadline=5, connect_timeout=2)
    with LoopbackServer() as server:
        server.static("/robots.txt", "User-agent: *\nAllow: /\n", "text/plain")
        for i in range(3):
            server.static(f"/news/{i}", PAGE.format(t=f"Quarry road story {i}"), "text/html")
        server.static("/feed.xml", rss(server, 3), "application/rss+xml")
        source = Source.objects.create(name="Ridge Wire", credit="Ridge Wire", feed_url=server.url("/feed.xml"),
                                       language="en", fetch_full_text=True)
        make_brand("Ridge Courier", [HOST])
        assert source_refresh(source_id=source.id, client=http, now=timezone.now()).new == 3
        yield {"server": server, "source": source, "http": http}
    clear_caches()


def story(i: int) -> Article:
    return Article.objects.get(guid=f"q-{i}")


@pytest.mark.django_db
@pytest.mark.parametrize("setting", [Source.Withdrawals.FOLLOW, Source.Withdrawals.FLAG])
def test_a_page_gone_at_the_source_is_followed_or_flagged(client, ridge, setting):
    Source.objects.filter(id=ridge["source"].id).update(withdrawals=setting)
    server = ridge["server"]
    server.route("/news/0", lambda req: Reply(410, "gone", {"Content-Type": "text/plain"}))
    server.route("/news/1", lambda req: Reply(503, "busy", {"Content-Type": "text/plain"}))  # says nothing
    now = timezone.now()
    report = articles_recheck(now=now, client=ridge["http"])
    assert (report.checked, report.gone, report.unanswered) == (3, 1, 0)
    gone, busy, fine = story(0), story(1), story(2)
    assert gone.gone_upstream_at == now and busy.gone_upstream_at is None and fine.gone_upstream_at is None
    clear_caches()
    if setting == Source.Withdrawals.FOLLOW:
        assert gone.withdrawn_at is not None and gone.takedown.by == "source: Ridge Wire"
        assert "410" in gone.takedown.reason
        assert AuditEntry.objects.get().who == "source: Ridge Wire"  # in the audit log like any kill
        assert get(client, f"/story/{gone.id}-{gone.slug}/", HOST).status_code == 410
    else:
        assert gone.withdrawn_at is None and not Takedown.objects.exists()
        assert get(client, f"/story/{gone.id}-{gone.slug}/", HOST).status_code == 200
    # Checked pages wait their turn; nothing is recorded twice.
    assert articles_recheck(now=now + dt.timedelta(minutes=5), client=ridge["http"]).checked == 0
    later = articles_recheck(now=now + dt.timedelta(hours=7), client=ridge["http"])
    assert (later.checked, later.gone) == (2, 0)  # the gone one is not fetched again
    # The feed sends the followed copy again: it stays withdrawn.
    source_refresh(source_id=ridge["source"].id, client=ridge["http"], now=timezone.now())
    assert (story(0).withdrawn_at is not None) == (setting == Source.Withdrawals.FOLLOW)


@pytest.mark.django_db
def test_robots_and_old_articles_are_respected(ridge):
    server = ridge["server"]
    server.static("/robots.txt", "User-agent: *\nDisallow: /news/\n", "text/plain")
    server.route("/news/0", lambda req: Reply(404, "no", {"Content-Type": "text/plain"}))
    Article.objects.filter(guid="q-2").update(published_at=timezone.now() - dt.timedelta(days=5))
    hits = server.hits("/news/0")
    report = articles_recheck(now=timezone.now(), client=ridge["http"])
    assert (report.checked, report.gone, report.unanswered) == (2, 0, 2)
    assert server.hits("/news/0") == hits  # robots.txt said no: not asked
    assert story(0).gone_upstream_at is None


TOMBSTONE_FEED = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xmlns:{p}="http://purl.org/atompub/tombstones/1.0">
<title>Ridge</title><id>urn:ridge</id><updated>2026-12-04T10:00:00Z</updated>
{tombs}
<entry><title>Kept story</title><id>kept-1</id><link href="https://ridge.example/kept"/>
<updated>2026-12-04T09:00:00Z</updated><summary>Still here.</summary></entry>
</feed>"""


@pytest.mark.django_db
def test_an_atom_tombstone_withdraws_the_item(client, ridge):
    Source.objects.filter(id=ridge["source"].id).update(withdrawals=Source.Withdrawals.FOLLOW)
    feed = TOMBSTONE_FEED.format(p="at", tombs='<at:deleted-entry ref="q-1" when="2026-12-04T10:00:00Z"/>')
    ridge["server"].static("/feed.xml", feed, "application/atom+xml")
    report = source_refresh(source_id=ridge["source"].id, client=ridge["http"], now=timezone.now())
    assert report.status == "ok" and report.withdrawn == 1
    assert story(1).withdrawn_at is not None and "feed marks" in story(1).takedown.reason
    assert story(0).withdrawn_at is None and story(2).withdrawn_at is None


@settings(max_examples=80, deadline=None)
@given(st.lists(st.text(min_size=1, max_size=40).filter(lambda s: s.strip() and "\x00" not in s), max_size=5),
       st.sampled_from(["at", "t", "tomb.x"]))
def test_tombstone_refs_are_read_whatever_they_hold(refs, prefix):
    clean = [r for r in refs if all(ch == "\t" or ch == "\n" or ch >= " " for ch in r)]
    tombs = "".join(f"<{prefix}:deleted-entry ref={quoteattr(r)} when='2026-12-04T10:00:00Z'/>" for r in clean)
    parsed = parse_xml(TOMBSTONE_FEED.format(p=prefix, tombs=tombs).encode(), url="https://ridge.example/feed")
    expected = list(dict.fromkeys(r.strip() for r in clean if r.strip()))
    assert list(parsed.withdrawn) == [e for e in expected]
    assert [i.title for i in parsed.items] == ["Kept story"]


def test_no_tombstones_without_their_namespace():
    feed = TOMBSTONE_FEED.replace("http://purl.org/atompub/tombstones/1.0", "urn:other").format(
        p="at", tombs='<at:deleted-entry ref="q-1"/>')
    assert parse_xml(feed.encode(), url="https://ridge.example/feed").withdrawn == ()

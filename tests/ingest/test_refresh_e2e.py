"""End to end: real feeds and pages on a loopback HTTP server, refreshed into the database."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest

from tests.loopback import LoopbackServer, Reply
from tests.search.conftest import assert_indexed_once
from wiredesk.core.http import GuardedClient
from wiredesk.ingest.services import source_refresh
from wiredesk.sources.models import Source
from wiredesk.stories.models import Article

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 20, 12, 0, tzinfo=dt.timezone.utc)


def rss(items: str, title: str = "Quayside Ledger") -> str:
    return f"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">
<channel><title>{title}</title><link>https://ledger.example/</link><description>d</description>
{items}
</channel></rss>"""


FULL_ITEM = """<item><guid>ledger-1</guid><title>Harbour board approves new ferry berth</title>
<link>{base}/news/berth?utm_source=feed&amp;id=1</link><category>Markets</category>
<pubDate>Thu, 19 Nov 2026 08:30:00 +0000</pubDate>
<content:encoded><![CDATA[<p>PORT ELLIS, Westmark: The harbour board voted on Wednesday to build a second ferry berth at the
north quay, ending two years of argument over where the island boats should dock.</p>
<p>Work is due to start in the spring and the board expects the berth to open before the summer season.</p>
<p>READ MORE: <a href="/news/fares">Ferry fares frozen for the winter</a></p>
<p>(Quayside Ledger)</p>]]></content:encoded></item>"""

CAPTION_ITEM = """<item><guid>ledger-2</guid><title>Rowers brave the cold at dawn regatta</title>
<link>{base}/news/regatta</link><category>Sport</category>
<pubDate>Thu, 19 Nov 2026 09:00:00 +0000</pubDate>
<content:encoded><![CDATA[<p>(261119) -- KINGSBRIDGE, Nov. 19, 2026 (Northlight) -- Crews from six clubs rowed the
estuary course at first light on Thursday, with frost still on the landing stages.</p>
<p>The home club took four of the seven races.</p>]]></content:encoded></item>"""

SUMMARY_ITEM = """<item><guid>ledger-3</guid><title>Chip plant hires two hundred technicians</title>
<link>{base}/news/chips</link><category>Tech</category>
<pubDate>Thu, 19 Nov 2026 10:00:00 +0000</pubDate>
<description>A new chip packaging plant is hiring.</description></item>"""

PAGE = """<!doctype html><html><head><title>Chip plant hires two hundred technicians</title></head><body>
<nav><a href="/">Home</a> <a href="/news">News</a> <a href="/about">About us</a></nav>
<article><h1>Chip plant hires two hundred technicians</h1>
<p>MARLOW BAY, Westmark: A chip packaging plant on the edge of Marlow Bay said on Thursday it would hire two hundred
technicians over the next year, most of them from the regional college's new apprenticeship course.</p>
<p>The company said the first hundred places would be filled by March and that training would take six months,
with apprentices paid from their first day on the line.</p>
<p>Local councillors welcomed the plan, saying the town had lost too many young workers to the capital over the past decade.</p>
</article>
<footer>Copyright Quayside Ledger. All rights reserved. Subscribe to our newsletter.</footer>
</body></html>"""


class Wire:
    """A loopback wire with conditional GET on its feed."""

    def __init__(self, srv: LoopbackServer, items: list[str]) -> None:
        self.srv = srv
        self.items = items
        self.conditional_hits = 0
        srv.route("/feed.xml", self.feed)
        srv.static("/news/chips", PAGE, "text/html; charset=utf-8")
        srv.static("/robots.txt", "User-agent: *\nDisallow: /private/\n", "text/plain")

    def body(self) -> str:
        return rss("\n".join(i.format(base=self.srv.url("").rstrip("/")) for i in self.items))

    def feed(self, req) -> Reply:
        body = self.body()
        etag = '"' + hashlib.sha256(body.encode()).hexdigest()[:16] + '"'
        if req.headers.get("if-none-match") == etag:
            self.conditional_hits += 1
            return Reply(304, b"", {"ETag": etag})
        return Reply(200, body, {"Content-Type": "application/rss+xml; charset=utf-8", "ETag": etag})


@pytest.fixture
def client():
    return GuardedClient(allow_networks=("127.0.0.1/32",), deadline=5, connect_timeout=2)


@pytest.fixture
def wire():
    with LoopbackServer() as srv:
        yield Wire(srv, [FULL_ITEM, CAPTION_ITEM, SUMMARY_ITEM])


def make_source(url: str, **extra) -> Source:
    fields = dict(
        name="Quayside Ledger", credit="Quayside Ledger", feed_url=url,
        section_map={"Markets": "business", "Sport": "sports", "Tech": "technology"},
    )
    fields.update(extra)
    return Source.objects.create(**fields)


def test_two_refreshes_store_each_story_once_and_use_conditional_get(wire, client):
    source = make_source(wire.srv.url("/feed.xml"))

    first = source_refresh(source_id=source.id, client=client, now=NOW)
    assert (first.status, first.new, first.updated, first.unchanged, first.failed_items) == ("ok", 3, 0, 0, 0)
    assert Article.objects.count() == 3

    second = source_refresh(source_id=source.id, client=client, now=NOW + dt.timedelta(minutes=10))
    assert (second.status, second.new, second.updated) == ("not_modified", 0, 0)
    assert wire.conditional_hits == 1
    assert Article.objects.count() == 3
    # The article page was fetched once, on the first refresh only.
    assert wire.srv.hits("/news/chips") == 1

    source.refresh_from_db()
    assert source.etag.startswith('"') and source.last_success_at is not None
    assert source.consecutive_errors == 0 and source.next_check_at > NOW


def test_stored_fields(wire, client):
    source = make_source(wire.srv.url("/feed.xml"))
    source_refresh(source_id=source.id, client=client, now=NOW)

    berth = Article.objects.get(guid="ledger-1")
    assert berth.canonical_url == wire.srv.url("/news/berth?id=1")  # tracking parameter gone
    assert berth.section == "business"
    assert berth.lead_kind == "dateline" and berth.dateline_place == "PORT ELLIS"
    assert berth.lead_text.startswith("PORT ELLIS, Westmark: The harbour board")
    assert berth.related == [{"title": "Ferry fares frozen for the winter", "url": wire.srv.url("/news/fares")}]
    assert "READ MORE" not in berth.body_html and "(Quayside Ledger)" not in berth.body_html
    assert berth.credit_tag == "Quayside Ledger"
    assert berth.published_at == dt.datetime(2026, 11, 19, 8, 30, tzinfo=dt.timezone.utc)
    assert berth.language == "en"
    assert len(berth.fingerprint) == 64 and len(berth.raw_hash) == 64

    regatta = Article.objects.get(guid="ledger-2")
    assert (regatta.lead_kind, regatta.dateline_place, regatta.agency) == ("caption", "KINGSBRIDGE", "Northlight")
    assert regatta.dateline_date == dt.date(2026, 11, 19)
    assert regatta.section == "sports"

    chips = Article.objects.get(guid="ledger-3")
    assert "two hundred technicians over the next year" in chips.body_html  # from the page, not the summary
    assert "All rights reserved" not in chips.body_html
    assert chips.section == "technology" and chips.dateline_place == "MARLOW BAY"


def test_edited_item_updates_the_same_article(wire, client):
    source = make_source(wire.srv.url("/feed.xml"))
    source_refresh(source_id=source.id, client=client, now=NOW)
    before = Article.objects.get(guid="ledger-1")

    wire.items[0] = FULL_ITEM.replace("second ferry berth", "second and larger ferry berth")
    report = source_refresh(source_id=source.id, client=client, now=NOW + dt.timedelta(hours=1))
    assert (report.new, report.updated, report.unchanged) == (0, 1, 2)
    after = Article.objects.get(guid="ledger-1")
    assert (after.id, after.slug) == (before.id, before.slug)
    assert "larger ferry berth" in after.body_html and after.revision == 2


def test_guid_change_with_same_url_is_an_edit(wire, client):
    source = make_source(wire.srv.url("/feed.xml"))
    source_refresh(source_id=source.id, client=client, now=NOW)
    wire.items[1] = CAPTION_ITEM.replace("ledger-2", "ledger-2-v2").replace("four of the seven", "five of the seven")
    report = source_refresh(source_id=source.id, client=client, now=NOW + dt.timedelta(hours=1))
    assert (report.new, report.updated, report.failed_items) == (0, 1, 0)
    regatta = Article.objects.get(canonical_url=wire.srv.url("/news/regatta"))
    assert (regatta.guid, regatta.revision) == ("ledger-2-v2", 2)
    assert_indexed_once()
    Source.objects.filter(id=source.id).update(etag="")  # the whole document again, not a 304
    again = source_refresh(source_id=source.id, client=client, now=NOW + dt.timedelta(hours=2))
    assert (again.status, again.new, again.updated, again.unchanged) == ("ok", 0, 0, 3)
    assert Article.objects.get(id=regatta.id).revision == 2


def test_identical_copy_from_a_second_source_is_linked_not_republished(wire, client):
    first = make_source(wire.srv.url("/feed.xml"))
    source_refresh(source_id=first.id, client=client, now=NOW)
    wire.srv.route("/copy.xml", lambda req: Reply(200, wire.body().replace("ledger-", "copy-"), {"Content-Type": "application/rss+xml"}))
    second = make_source(wire.srv.url("/copy.xml"), name="Copycat Wire", credit="Copycat")
    report = source_refresh(source_id=second.id, client=client, now=NOW)
    assert report.new == 3
    copies = Article.objects.filter(source=second)
    assert all(a.duplicate_of is not None and a.duplicate_of.source_id == first.id for a in copies)


def test_items_without_guid_are_deduplicated_by_link(client):
    items = FULL_ITEM.replace("<guid>ledger-1</guid>", "") + CAPTION_ITEM.replace("<guid>ledger-2</guid>", "")
    with LoopbackServer() as srv:
        srv.route("/feed.xml", lambda req: Reply(200, rss(items.format(base=srv.url("").rstrip("/"))), {"Content-Type": "application/rss+xml"}))
        source = make_source(srv.url("/feed.xml"))
        assert source_refresh(source_id=source.id, client=client, now=NOW).new == 2
        again = source_refresh(source_id=source.id, client=client, now=NOW + dt.timedelta(hours=1))
        assert (again.new, again.updated, again.unchanged) == (0, 0, 2)
    assert Article.objects.count() == 2
    assert set(Article.objects.values_list("revision", flat=True)) == {1}
    assert_indexed_once()


def test_robots_disallowed_page_keeps_the_feed_summary(client):
    item = SUMMARY_ITEM.replace("/news/chips", "/private/chips")
    with LoopbackServer() as srv:
        srv.route("/feed.xml", lambda req: Reply(200, rss(item.format(base=srv.url("").rstrip("/"))), {"Content-Type": "application/rss+xml"}))
        srv.static("/robots.txt", "User-agent: *\nDisallow: /private/\n", "text/plain")
        srv.static("/private/chips", PAGE, "text/html")
        source = make_source(srv.url("/feed.xml"))
        assert source_refresh(source_id=source.id, client=client, now=NOW).new == 1
        assert srv.hits("/private/chips") == 0
    chips = Article.objects.get()
    assert "A new chip packaging plant is hiring." in chips.body_html
    assert "robots.txt" in chips.notes


def test_excerpt_only_source_stores_an_excerpt(wire, client):
    source = make_source(wire.srv.url("/feed.xml"), licence=Source.Licence.EXCERPT)
    source_refresh(source_id=source.id, client=client, now=NOW)
    berth = Article.objects.get(guid="ledger-1")
    assert berth.excerpt_only
    assert len(berth.body_html) < 800
    assert wire.srv.hits("/news/chips") == 0  # no page fetched for an excerpt-only source


def test_future_dates_are_clamped_to_fetch_time(client):
    item = FULL_ITEM.replace("Thu, 19 Nov 2026 08:30:00 +0000", "Wed, 01 Jan 2099 00:00:00 +0000")
    with LoopbackServer() as srv:
        srv.route("/feed.xml", lambda req: Reply(200, rss(item.format(base=srv.url("").rstrip("/"))), {"Content-Type": "application/rss+xml"}))
        source = make_source(srv.url("/feed.xml"))
        source_refresh(source_id=source.id, client=client, now=NOW)
    assert Article.objects.get().published_at == NOW


def revisions() -> dict[str, int]:
    return dict(Article.objects.values_list("guid", "revision"))


def test_two_items_with_distinct_guids_and_one_link_are_two_articles(client):
    # Within one document distinct GUIDs are distinct stories: URL matching only follows a
    # GUID that changed between fetches, never merges two items both still listed.
    second = FULL_ITEM.replace("ledger-1", "ledger-1b").replace("second ferry berth", "second ferry berth, update")
    with LoopbackServer() as srv:
        body = rss((FULL_ITEM + second).format(base=srv.url("").rstrip("/")))
        srv.static("/feed.xml", body, "application/rss+xml")
        source = make_source(srv.url("/feed.xml"))
        report = source_refresh(source_id=source.id, client=client, now=NOW)
        assert (report.status, report.new, report.updated, report.failed_items, report.error) == ("ok", 2, 0, 0, "")
        assert revisions() == {"ledger-1": 1, "ledger-1b": 1}
        assert_indexed_once()
        for hours in (1, 2):  # the same document again: nothing flips between the two items
            again = source_refresh(source_id=source.id, client=client, now=NOW + dt.timedelta(hours=hours))
            assert (again.status, again.new, again.updated, again.unchanged, again.failed_items) == ("ok", 0, 0, 2, 0)
    assert revisions() == {"ledger-1": 1, "ledger-1b": 1}
    assert_indexed_once()


def test_one_guid_listed_twice_is_one_item_the_last_updated_winning(client):
    older = FULL_ITEM.replace("</pubDate>", "</pubDate><atom:updated>2026-11-19T09:00:00Z</atom:updated>")
    newer = FULL_ITEM.replace("second ferry berth", "second and larger ferry berth").replace(
        "</pubDate>", "</pubDate><atom:updated>2026-11-19T11:00:00Z</atom:updated>")
    with LoopbackServer() as srv:
        base = srv.url("").rstrip("/")
        body = rss((older + newer + older).format(base=base)).replace(
            "<rss version=\"2.0\"", "<rss version=\"2.0\" xmlns:atom=\"http://www.w3.org/2005/Atom\"")
        srv.static("/feed.xml", body, "application/rss+xml")
        source = make_source(srv.url("/feed.xml"))
        report = source_refresh(source_id=source.id, client=client, now=NOW)
        assert (report.status, report.new, report.updated, report.failed_items) == ("ok", 1, 0, 0)
        assert any("repeated an identity" in note for note in report.notes)
        again = source_refresh(source_id=source.id, client=client, now=NOW + dt.timedelta(hours=1))
        assert (again.status, again.new, again.updated, again.unchanged) == ("ok", 0, 0, 1)
    stored = Article.objects.get()
    assert "larger ferry berth" in stored.body_html and stored.revision == 1
    assert_indexed_once()


def test_a_site_disallowing_everything_still_has_its_feed_polled_but_no_page_fetched(client):
    """Reliability E6: robots.txt governs crawling pages, not a feed the publisher offers for
    polling. `Disallow: /` for every agent: the feed is fetched (and refetched), each
    summary-only item keeps its feed text, no article page is asked for."""
    with LoopbackServer() as srv:
        srv.route("/feed.xml", lambda req: Reply(200, rss(SUMMARY_ITEM.format(base=srv.url("").rstrip("/"))),
                                                 {"Content-Type": "application/rss+xml"}))
        srv.static("/robots.txt", "User-agent: *\nDisallow: /\n", "text/plain")
        srv.static("/news/chips", PAGE, "text/html")
        source = make_source(srv.url("/feed.xml"))
        assert source_refresh(source_id=source.id, client=client, now=NOW).new == 1
        assert source_refresh(source_id=source.id, client=client, now=NOW + dt.timedelta(hours=1)).status == "ok"
        assert srv.hits("/feed.xml") == 2 and srv.hits("/news/chips") == 0
    chips = Article.objects.get()
    assert "A new chip packaging plant is hiring." in chips.body_html and "robots.txt" in chips.notes


def test_an_article_page_too_large_or_too_deep_falls_back_to_the_feed_text(client):
    """Reliability E5 end to end: pages refused before parsing (over the size cap, nested
    past the depth cap) leave the item with its feed summary and a note, and the refresh ok."""
    from wiredesk.ingest.extract.guards import MAX_DEPTH, MAX_HTML_BYTES

    deep = "<html><body>" + "<div>" * (MAX_DEPTH + 50) + "<p>buried</p>" + "</div>" * (MAX_DEPTH + 50) + "</body></html>"
    huge = "<html><body><p>buried " + "x" * (MAX_HTML_BYTES + 1000) + "</p></body></html>"
    for n, page in enumerate((deep, huge)):
        Article.objects.all().delete()
        with LoopbackServer() as srv:
            srv.route("/feed.xml", lambda req: Reply(200, rss(SUMMARY_ITEM.format(base=srv.url("").rstrip("/"))),
                                                     {"Content-Type": "application/rss+xml"}))
            srv.static("/news/chips", page, "text/html")
            source = make_source(srv.url("/feed.xml"), name=f"Heavy Wire {n}")
            report = source_refresh(source_id=source.id, client=client, now=NOW)
            assert (report.status, report.new, report.failed_items) == ("ok", 1, 0), report.as_dict()
        stored = Article.objects.get(source=source)
        assert "A new chip packaging plant is hiring." in stored.body_html and "buried" not in stored.body_html
        assert stored.notes, "the fallback is noted"

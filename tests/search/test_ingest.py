"""The ingest pipeline keeps the index current: a real feed on a loopback server, refreshed."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.loopback import LoopbackServer, Reply
from tests.search.conftest import make_brand
from wiredesk.core.http import GuardedClient
from wiredesk.ingest.services import source_refresh
from wiredesk.search.selectors import search_articles
from wiredesk.sources.models import Source
from wiredesk.stories.models import Article

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 20, 12, 0, tzinfo=dt.timezone.utc)

ITEM = """<item><guid>ledger-1</guid><title>Harbour board approves new ferry berth</title>
<link>{base}/news/berth</link><category>Markets</category>
<pubDate>Thu, 19 Nov 2026 08:30:00 +0000</pubDate>
<content:encoded><![CDATA[<p>PORT ELLIS, Westmark: The harbour board voted on Wednesday to build a second ferry berth at the
north quay, ending two years of argument over where the island boats should dock.</p>
<p>Work is due to start in the spring, with the contract going to a shipwright from Kingsbridge.</p>]]></content:encoded></item>"""

OTHER = """<item><guid>ledger-2</guid><title>Rowers brave the cold at dawn regatta</title>
<link>{base}/news/regatta</link><category>Sport</category>
<pubDate>Thu, 19 Nov 2026 09:00:00 +0000</pubDate>
<content:encoded><![CDATA[<p>Crews from six clubs rowed the estuary course at first light on Thursday.</p>]]></content:encoded></item>"""


def rss(items: str) -> str:
    return f"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">
<channel><title>Quayside Ledger</title><link>https://ledger.example/</link><description>d</description>
{items}
</channel></rss>"""


@pytest.fixture
def http():
    return GuardedClient(allow_networks=("127.0.0.1/32",), deadline=5, connect_timeout=2)


@pytest.fixture
def wire():
    with LoopbackServer() as srv:
        items = [ITEM, OTHER]
        srv.route("/feed.xml", lambda req: Reply(
            200, rss("\n".join(i.format(base=srv.url("").rstrip("/")) for i in items)),
            {"Content-Type": "application/rss+xml; charset=utf-8"},
        ))
        srv.items = items
        yield srv


def found(brand, query: str) -> list[str]:
    return [h.article.guid for h in search_articles(brand=brand, query=query).hits]


def test_refresh_indexes_new_and_edited_items(wire, http, client):
    source = Source.objects.create(name="Quayside Ledger", credit="Quayside Ledger", feed_url=wire.url("/feed.xml"),
                                   section_map={"Markets": "business", "Sport": "sports"})
    brand = make_brand(source)

    report = source_refresh(source_id=source.id, client=http, now=NOW)
    assert (report.status, report.new, report.failed_items) == ("ok", 2, 0)
    assert found(brand, "ferry berth") == ["ledger-1"]
    assert found(brand, "shipwright") == ["ledger-1"]  # body text
    assert found(brand, "estuary") == ["ledger-2"]
    page = client.get("/search/", {"q": "shipwright"}).content.decode()
    assert "<mark>shipwright</mark>" in page

    # The wire edits the story: new words are found, removed words no longer are.
    wire.items[0] = ITEM.replace("shipwright from Kingsbridge", "boatyard from Marlow Bay").replace(
        "new ferry berth", "new ferry pontoon")
    report = source_refresh(source_id=source.id, client=http, now=NOW + dt.timedelta(hours=1))
    assert (report.new, report.updated, report.failed_items) == (0, 1, 0)
    assert Article.objects.get(guid="ledger-1").revision == 2
    assert found(brand, "boatyard marlow") == ["ledger-1"]
    assert found(brand, "pontoon") == ["ledger-1"]
    assert found(brand, "shipwright") == []
    assert found(brand, "kingsbridge") == []
    assert found(brand, "estuary") == ["ledger-2"]  # the untouched item is still there


def test_a_copy_from_another_wire_is_indexed_but_not_shown(wire, http):
    first = Source.objects.create(name="Ledger", credit="Ledger", feed_url=wire.url("/feed.xml"))
    body = rss("\n".join(i.format(base=wire.url("").rstrip("/")) for i in wire.items)).replace("ledger-", "copy-")
    wire.route("/copy.xml", lambda req: Reply(200, body, {"Content-Type": "application/rss+xml"}))
    second = Source.objects.create(name="Copycat", credit="Copycat", feed_url=wire.url("/copy.xml"))
    source_refresh(source_id=first.id, client=http, now=NOW)
    assert source_refresh(source_id=second.id, client=http, now=NOW).new == 2
    assert Article.objects.filter(source=second, duplicate_of__isnull=False).count() == 2
    brand = make_brand()
    assert found(brand, "regatta") == ["ledger-2"]


@pytest.mark.sqlite_only
def test_what_ingest_indexes_is_what_a_rebuild_from_the_stored_articles_gives(wire, http):
    # Ingest writes the index from the text it worked out; a rebuild reads the stored bodies.
    from django.db import connection

    from wiredesk.search.backends.sqlite import TABLE
    from wiredesk.search.services import search_index_rebuild

    wire.items.append("""<item><guid>ledger-3</guid><title>Ferry fares &amp; timetables</title>
<link>{base}/news/fares</link><category>Markets</category>
<content:encoded><![CDATA[<figure><img src="/quay.jpg"><figcaption>The quay &amp; its cranes</figcaption></figure>
<p>NORTH BAY: Fares rise by &pound;1 &mdash; the first rise in years.</p>
<p>READ MORE: <a href="/news/berth">The new berth</a></p><p>(Quayside Ledger)</p>]]></content:encoded></item>""")
    source = Source.objects.create(name="Quayside Ledger", credit="Quayside Ledger", feed_url=wire.url("/feed.xml"))
    assert source_refresh(source_id=source.id, client=http, now=NOW).new == 3

    def rows():
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT rowid, title, body FROM {TABLE} ORDER BY rowid")
            return cursor.fetchall()

    from_ingest = rows()
    assert search_index_rebuild() == 3
    assert from_ingest == rows() and len(from_ingest) == 3
    assert any("£1 — the first rise" in body for _, _, body in from_ingest)

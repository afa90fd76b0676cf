"""The same copy sent again, refreshed from real feeds on a loopback server.

A wire's reissue under a new GUID (an editor's note, new headline punctuation, a later time),
the same agency copy carried by a second wire, and a different story on the same topic: the
first two are stored linked to the original, the third is not; the notes never reach the
body; every stored article has its signature and its LSH band rows.
"""

from __future__ import annotations

import datetime as dt
from xml.sax.saxutils import escape

import pytest

from tests.loopback import LoopbackServer, Reply
from wiredesk.core.http import GuardedClient
from wiredesk.ingest.services import source_refresh
from wiredesk.sources.models import Source
from wiredesk.stories import selectors
from wiredesk.stories.models import Article, CopyBand
from wiredesk.text import copies

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 20, 12, 0, tzinfo=dt.timezone.utc)
RSS_TYPE = "application/rss+xml"

STORY = [
    "PORT ELLIS, Nov 19 (Harbour Wire) - The harbour board of Port Ellis voted seven to two on Thursday to "
    "build a second ferry berth at the north quay, ending a dispute that has run since the spring floods.",
    "The berth will cost 14 million crowns and take two years to build, board chair Imke Halvorsen told "
    "reporters after the vote, adding that the ferry timetable would not change while work went on.",
    "Fishermen who moor at the north quay had opposed the plan, saying the dredging would drive cod from the "
    "estuary. The board promised to move their moorings to the old coal wharf at its own cost.",
    "The island council welcomed the decision. Its leader, Bram Osterlund, said the second berth would end "
    "the queues of lorries that block the quay road on market days.",
    "(Reporting by Tilde Marsh; Editing by Oskar Vell)",
]
# Another story on the same topic, written afresh: the fishermen's protest a day later.
SAME_TOPIC = [
    "PORT ELLIS, Nov 20 (Harbour Wire) - About two hundred fishermen sailed their boats across the mouth of "
    "Port Ellis harbour on Friday in protest at the new ferry berth approved by the harbour board.",
    "The blockade held the morning ferry to Skerry Island outside the harbour for three hours before police "
    "launches escorted it in. No arrests were made, the coastguard said.",
    "Jorun Aske, who speaks for the fishermen's cooperative, said the dredging for the berth would ruin the "
    "cod grounds of the estuary, and that the offer of moorings at the coal wharf came too late.",
    "The harbour board said it would meet the cooperative next week. The berth, which will cost 14 million "
    "crowns, is due to open in two years.",
]


def rss(items: list[tuple[str, str, list[str], dt.datetime]]) -> str:
    out = []
    for guid, title, paragraphs, when in items:
        body = "".join(f"<p>{escape(p)}</p>" for p in paragraphs)
        out.append(
            f"<item><guid>{escape(guid)}</guid><title>{escape(title)}</title>"
            f"<pubDate>{when.strftime('%a, %d %b %Y %H:%M:%S +0000')}</pubDate>"
            f"<description>{escape(body)}</description></item>"
        )
    return ('<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title>'
            f"<link>https://wire.example/</link><description>d</description>{''.join(out)}</channel></rss>")


class Feeds:
    """Feed documents served on loopback, changed by the test between refreshes."""

    def __init__(self, srv: LoopbackServer) -> None:
        self.srv = srv
        self.docs: dict[str, str] = {}

    def serve(self, path: str, items) -> str:
        self.docs[path] = rss(items)
        self.srv.route(path, lambda req, path=path: Reply(200, self.docs[path], {"Content-Type": RSS_TYPE}))
        return self.srv.url(path)


@pytest.fixture
def feeds():
    with LoopbackServer() as srv:
        yield Feeds(srv)


@pytest.fixture
def http():
    return GuardedClient(allow_networks=("127.0.0.1/32",), deadline=5, connect_timeout=2)


def wire(name: str, url: str, kind=Source.Kind.WIRE) -> Source:
    return Source.objects.create(name=name, credit=name, feed_url=url, kind=kind)


def refresh(source: Source, http, hours: float = 0):
    report = source_refresh(source_id=source.id, client=http, now=NOW + dt.timedelta(hours=hours))
    assert (report.status, report.failed_items) == ("ok", 0), report.as_dict()
    return report


T0 = dt.datetime(2026, 11, 19, 9, 0, tzinfo=dt.timezone.utc)


def test_a_reissue_under_a_new_guid_is_stored_as_a_copy_of_the_first(feeds, http):
    first = ("hw-100", "Harbour board approves second ferry berth", STORY, T0)
    url = feeds.serve("/hw.xml", [first])
    source = wire("Harbour Wire", url)
    refresh(source, http)
    original = Article.objects.get(guid="hw-100")
    assert original.duplicate_of_id is None and original.editor_notes == ""

    # Sent again: a note before the story, one at the end, a headline prefix and new
    # punctuation, a later time, a new GUID; one word corrected.
    corrected = [STORY[0], STORY[1].replace("Halvorsen", "Halvorssen"), *STORY[2:]]
    reissue = ("hw-101", "CORRECTED-Harbour board approves second ferry berth!",
               ["(Corrects spelling of board chair's name in paragraph 2)", *corrected, "Repeats to more subscribers"],
               T0 + dt.timedelta(hours=3))
    feeds.docs["/hw.xml"] = rss([reissue, first])
    refresh(source, http, hours=1)

    copy = Article.objects.get(guid="hw-101")
    assert copy.duplicate_of_id == original.id
    assert copy.title == "Harbour board approves second ferry berth!"
    assert "CORRECTED" in copy.editor_notes and "Corrects spelling" in copy.editor_notes
    assert "Repeats to more subscribers" in copy.editor_notes
    for field in (copy.body_html, copy.lead_text):
        assert "Corrects spelling" not in field and "Repeats to" not in field
    # The lead was parsed from the story's first paragraph, not from the note above it.
    assert (copy.lead_kind, copy.dateline_place) == ("dateline", "PORT ELLIS")
    assert copy.lead_text.startswith("PORT ELLIS")

    # Signature and bands are written for both, on the day each was published.
    for article in (original, copy):
        article.refresh_from_db()
        assert len(bytes(article.copy_signature)) == 1 + 4 * copies.NUM_PERM
        bands = CopyBand.objects.filter(article=article)
        assert bands.count() == copies.BANDS
        assert set(bands.values_list("day", flat=True)) == {copies.day_number(article.published_at)}
    assert selectors.copy_group(article_id=copy.id) == [original.id, copy.id]


def test_a_copy_of_a_copy_points_to_the_original_and_an_edit_stays_in_place(feeds, http):
    url = feeds.serve("/hw.xml", [("hw-1", "Berth approved", STORY, T0)])
    source = wire("Harbour Wire", url)
    refresh(source, http)
    feeds.docs["/hw.xml"] = rss([("hw-2", "REPEAT-Berth approved", ["REPEAT", *STORY], T0 + dt.timedelta(hours=1))])
    refresh(source, http, hours=1)
    # The third sending matches the second (a paragraph dropped), never becomes its copy.
    feeds.docs["/hw.xml"] = rss([("hw-3", "Berth approved", ["REPEAT", *STORY[:3], STORY[4]], T0 + dt.timedelta(hours=2))])
    refresh(source, http, hours=2)
    root = Article.objects.get(guid="hw-1")
    assert set(Article.objects.filter(duplicate_of=root).values_list("guid", flat=True)) == {"hw-2", "hw-3"}

    # An edit of the original under its own GUID updates it in place, bands included.
    before = set(CopyBand.objects.filter(article=root).values_list("band", flat=True))
    edited = [STORY[0], "A new paragraph on the timetable of the works, which start in March.", *STORY[1:]]
    feeds.docs["/hw.xml"] = rss([("hw-1", "Berth approved", edited, T0)])
    refresh(source, http, hours=3)
    root.refresh_from_db()
    assert root.revision == 2 and root.duplicate_of_id is None
    assert Article.objects.filter(guid="hw-1").count() == 1
    after = set(CopyBand.objects.filter(article=root).values_list("band", flat=True))
    assert len(after) == copies.BANDS and after != before


def test_the_same_agency_copy_through_two_wires_is_linked_a_same_topic_story_is_not(feeds, http):
    a = wire("Harbour Wire", feeds.serve("/a.xml", [("a-1", "Harbour board approves second ferry berth", STORY, T0)]))
    refresh(a, http)
    # The partner wire carries the agency copy with its own credit line and a later time.
    partner = [*STORY[:4], "(Carried by Northgate Press)"]
    b = wire("Northgate Press", feeds.serve("/b.xml", [
        ("b-9", "Port Ellis harbour board approves 2nd ferry berth", partner, T0 + dt.timedelta(minutes=40)),
        ("b-10", "Fishermen blockade Port Ellis harbour over ferry berth", SAME_TOPIC, T0 + dt.timedelta(days=1)),
    ]))
    refresh(b, http, hours=1)
    original = Article.objects.get(guid="a-1")
    assert Article.objects.get(guid="b-9").duplicate_of_id == original.id
    assert Article.objects.get(guid="b-10").duplicate_of_id is None


def test_a_news_release_is_never_the_original_of_a_wire_copy(feeds, http):
    release = wire("Board releases", "https://releases.invalid/", kind=Source.Kind.RELEASES)
    from wiredesk.ingest.normalize import normalize
    from wiredesk.ingest.store import policy_for
    from wiredesk.ingest.types import Decision, RawItem
    from wiredesk.stories.services import article_upsert

    body = "".join(f"<p>{escape(p)}</p>" for p in STORY)
    item = normalize(RawItem(guid="rel-1", link=None, title="Second berth approved", content_html=body, published=T0),
                     policy=policy_for(release), now=NOW)
    article_upsert(item=item, source_id=release.id, decision=Decision(action="new"))
    a = wire("Harbour Wire", feeds.serve("/a.xml", [("a-1", "Harbour board approves second ferry berth", STORY, T0)]))
    refresh(a, http)
    assert Article.objects.get(guid="a-1").duplicate_of_id is None


def test_copies_are_looked_for_only_within_the_window(feeds, http):
    source = wire("Harbour Wire", feeds.serve("/hw.xml", [("hw-1", "Berth approved", STORY, T0)]))
    refresh(source, http)
    late = T0 + dt.timedelta(days=copies.WINDOW_DAYS + 2)
    feeds.docs["/hw.xml"] = rss([("hw-2", "Berth approved", ["REPEAT", *STORY], late)])
    refresh(source, http, hours=24 * (copies.WINDOW_DAYS + 2) + 1)
    assert Article.objects.get(guid="hw-2").duplicate_of_id is None

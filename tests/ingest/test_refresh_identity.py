"""Feed documents whose items collide on identity, refreshed from a real loopback server.

The class: repeated GUIDs (with or without surrounding spaces), GUID-less items whose links
are equal after canonicalisation (fragments, tracking parameters, host case, the default
port), links that only look alike (http and https, a trailing slash: distinct URLs), GUIDs
that spell a link, distinct GUIDs sharing one link, items with neither GUID nor link, and a
second document in which some GUIDs changed while their links stayed. Whatever the mix:
no item fails, each identity is one article holding the item that wins (the last updated,
else the first listed), every article is in the search index exactly once, and a document
fetched again unchanged is reported unchanged with no revision moving.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from xml.sax.saxutils import escape

import pytest
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.loopback import LoopbackServer
from tests.search.conftest import assert_indexed_once, index_rows
from wiredesk.core.http import GuardedClient
from wiredesk.ingest.services import source_refresh
from wiredesk.search.backends import backend_for
from wiredesk.sources.models import Source
from wiredesk.stories.models import Article

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 20, 12, 0, tzinfo=dt.timezone.utc)

# Spellings of links, each with the canonical URL it must come to (written out by hand).
LINKS = (
    ("https://ledger.example/news/berth", "https://ledger.example/news/berth"),
    ("https://LEDGER.example:443/news/berth", "https://ledger.example/news/berth"),
    ("http://ledger.example/news/berth", "http://ledger.example/news/berth"),
    ("https://ledger.example/news/berth/", "https://ledger.example/news/berth/"),
    ("https://ledger.example/news/regatta", "https://ledger.example/news/regatta"),
    ("https://ledger.example/news/fares?id=7", "https://ledger.example/news/fares?id=7"),
)
# Decorations that never change what a link points to.
DECORATIONS = ("", "#top", "#comments", "?utm_source=feed", "?utm_medium=rss&fbclid=xyz")
GUIDS = ("ledger-1", " ledger-1 ", "ledger-2", "ledger-3", "https://ledger.example/news/berth")
TITLES = ("Harbour board approves new ferry berth", "Rowers brave the cold at dawn regatta",
          "Ferry fares frozen for the winter", "Chip plant hires two hundred technicians")
BODIES = ("The harbour board voted to build a second berth at the north quay.",
          "Crews from six clubs rowed the estuary course at first light.",
          "Island fares stay where they are until the spring timetable.")
DATES = (None, dt.datetime(2026, 11, 19, 8, 0, tzinfo=dt.timezone.utc), dt.datetime(2026, 11, 19, 9, 30, tzinfo=dt.timezone.utc))


@dataclass(frozen=True)
class Item:
    guid: str | None
    link: int | None  # index into LINKS
    decoration: str
    title: str
    body: str
    published: dt.datetime
    updated: dt.datetime | None

    def identity(self) -> str:
        """What the item is stored under, worked out from the rules rather than the code."""
        if self.guid is not None and self.guid.strip():
            return self.guid.strip()
        if self.link is not None:
            return LINKS[self.link][1]
        return f"no link: {self.title} {self.published.isoformat()}"

    def xml(self) -> str:
        parts = [f"<title>{escape(self.title)}</title>"]
        if self.guid is not None:
            parts.append(f'<guid isPermaLink="false">{escape(self.guid)}</guid>')
        if self.link is not None:
            link, decoration = LINKS[self.link][0], self.decoration
            if "?" in link and decoration.startswith("?"):
                decoration = "&" + decoration[1:]
            parts.append(f"<link>{escape(link + decoration)}</link>")
        parts.append(f"<pubDate>{self.published:%a, %d %b %Y %H:%M:%S} +0000</pubDate>")
        if self.updated is not None:
            parts.append(f"<atom:updated>{self.updated:%Y-%m-%dT%H:%M:%SZ}</atom:updated>")
        parts.append(f"<description>{escape(self.body)}</description>")
        return "<item>" + "".join(parts) + "</item>"


def document(items: list[Item]) -> str:
    return ('<?xml version="1.0" encoding="utf-8"?><rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom">'
            "<channel><title>Quayside Ledger</title><link>https://ledger.example/</link><description>d</description>"
            + "".join(i.xml() for i in items) + "</channel></rss>")


items = st.builds(
    Item,
    guid=st.one_of(st.none(), st.sampled_from(GUIDS)),
    link=st.one_of(st.none(), st.integers(0, len(LINKS) - 1)),
    decoration=st.sampled_from(DECORATIONS),
    title=st.sampled_from(TITLES),
    body=st.sampled_from(BODIES),
    published=st.sampled_from(DATES[1:]),
    updated=st.sampled_from(DATES),
)


@st.composite
def edited(draw, first: list[Item]) -> list[Item]:
    """The next document: some GUIDs changed (the links kept), some stories edited, some gone."""
    out = []
    for item in first:
        change = draw(st.sampled_from(("same", "same", "new guid", "edit", "gone")))
        if change == "new guid" and item.guid is not None:
            item = replace(item, guid=item.guid.strip() + "-v2")
        elif change == "edit":
            item = replace(item, body=item.body + " The work starts in March.")
        if change != "gone":
            out.append(item)
    return out + draw(st.lists(items, max_size=2))


def expected_winners(doc: list[Item]) -> dict[str, Item]:
    """Per identity, the item that wins: the last updated (else published), then the first listed."""
    won: dict[str, Item] = {}
    for item in doc:
        held = won.get(item.identity())
        mine = item.updated or item.published
        if held is None or mine > (held.updated or held.published):
            won[item.identity()] = item
    return won


@pytest.fixture(scope="module")
def wire():
    with LoopbackServer() as srv:
        yield srv


@pytest.fixture
def http():
    return GuardedClient(allow_networks=("127.0.0.1/32",), deadline=5, connect_timeout=2)


def refresh(source: Source, http, hours: int):
    report = source_refresh(source_id=source.id, client=http, now=NOW + dt.timedelta(hours=hours))
    assert (report.status, report.error, report.failed_items) == ("ok", "", 0), report.as_dict()
    return report


def state() -> dict:
    return {
        "revisions": dict(Article.objects.values_list("id", "revision")),
        "index": index_rows(),
    }


def stored_as(item: Item) -> Article:
    """The one article holding an item's identity."""
    if item.identity().startswith("no link: "):  # stored under a hash of its title and date
        found = Article.objects.filter(guid__startswith="urn:wiredesk:", title=item.title, published_at=item.published)
    else:
        found = Article.objects.filter(guid=item.identity())
    assert found.count() == 1, f"{item.identity()!r} is stored {found.count()} times"
    return found.get()


def check_document(source: Source, doc: list[Item]) -> None:
    for item in expected_winners(doc).values():
        article = stored_as(item)
        assert article.title == item.title and item.body in article.body_html
    assert_indexed_once()


@settings(max_examples=40, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(first=st.lists(items, min_size=1, max_size=7), data=st.data())
def test_colliding_identities_are_stored_once_indexed_once_and_stay_put(wire, http, first, data):
    Article.objects.all().delete()  # hypothesis runs every example in the test's one transaction
    Source.objects.all().delete()
    backend_for(connection).clear()
    source = Source.objects.create(name="Quayside Ledger", credit="Quayside Ledger", feed_url=wire.url("/feed.xml"))
    second = data.draw(edited(first))

    wire.static("/feed.xml", document(first), "application/rss+xml")
    first_report = refresh(source, http, hours=0)
    winners = expected_winners(first)
    assert first_report.new == len(winners) == Article.objects.count()
    check_document(source, first)

    before = state()
    again = refresh(source, http, hours=1)  # the same bytes: nothing is an update
    assert (again.new, again.updated, again.unchanged) == (0, 0, len(winners))
    assert state() == before

    wire.static("/feed.xml", document(second), "application/rss+xml")
    refresh(source, http, hours=2)
    check_document(source, second)
    identities = set(winners) | set(expected_winners(second))
    assert len(expected_winners(second)) <= Article.objects.count() <= len(identities)

    before = state()
    for hours in (3, 4):  # and again, twice: no article flips between two items
        again = refresh(source, http, hours=hours)
        assert (again.new, again.updated, again.unchanged) == (0, 0, len(expected_winners(second)))
        assert state() == before


# --- identities that change on every fetch (reliability P6) ------------------------------------

STORIES = tuple(zip(TITLES[:3], BODIES))
MODES = ("stable guid", "token in a guid-less link", "guid flips http and https", "random guid and link")


def unstable_xml(n: int, mode: str, fetch: int, token: str) -> str:
    title, body = STORIES[n]
    path = f"ledger.example/news/story-{n}"
    if mode == "stable guid":
        ids = f'<guid isPermaLink="false">ledger-story-{n}</guid><link>https://{path}</link>'
    elif mode == "token in a guid-less link":  # a per-request session token in the only identity
        ids = f"<link>https://{path}?sid={token}</link>"
    elif mode == "guid flips http and https":
        scheme = "https" if fetch % 2 else "http"
        ids = f"<guid>{scheme}://{path}</guid><link>{scheme}://{path}</link>"
    else:  # a feed generator that invents both on every request
        ids = f'<guid isPermaLink="false">{token}</guid><link>https://ledger.example/r/{token}</link>'
    return (f"<item><title>{escape(title)}</title>{ids}<pubDate>Thu, 19 Nov 2026 0{n + 1}:00:00 +0000</pubDate>"
            f"<description>{escape(body)}</description></item>")


@settings(max_examples=25, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(modes=st.lists(st.sampled_from(MODES), min_size=3, max_size=3),
       tokens=st.lists(st.text("abcdef0123456789", min_size=8, max_size=12), min_size=12, max_size=12, unique=True))
def test_identities_that_change_on_every_fetch_never_publish_a_story_twice(wire, http, modes, tokens):
    """Three stories fetched four times, each under an identity that may change every time
    (a session token in a GUID-less link, a GUID flipping between http and https, a random
    GUID and link per request): readers see each story once, with its own text."""
    Article.objects.all().delete()  # hypothesis runs every example in the test's one transaction
    Source.objects.all().delete()
    backend_for(connection).clear()
    source = Source.objects.create(name="Unstable Ledger", credit="Unstable Ledger", feed_url=wire.url("/unstable.xml"))
    for fetch in range(4):
        doc = ('<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Unstable Ledger</title>'
               "<link>https://ledger.example/</link><description>d</description>"
               + "".join(unstable_xml(n, modes[n], fetch, tokens[fetch * 3 + n]) for n in range(3))
               + "</channel></rss>")
        wire.static("/unstable.xml", doc, "application/rss+xml")
        refresh(source, http, hours=fetch)
    shown = Article.objects.filter(source=source, duplicate_of__isnull=True)
    assert sorted(shown.values_list("title", flat=True)) == sorted(t for t, _ in STORIES), list(shown.values_list("guid", flat=True))
    for title, body in STORIES:
        assert body in shown.get(title=title).body_html
    assert_indexed_once()

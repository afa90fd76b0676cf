"""The clustering stage against the database: stories as every worker sees them.

Feeds are served from a real loopback server and refreshed through the whole pipeline; the
concurrency test places write-ups of one event from two threads with their own connections at
the same moment (SQLite's write lock, PostgreSQL's advisory lock).
"""

from __future__ import annotations

import datetime as dt
import io
import threading
from xml.sax.saxutils import escape

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from django.core.management import call_command
from django.db import connection, connections, transaction

from tests.loopback import LoopbackServer
from tests.web.factories import make_source, store
from wiredesk.core.http import GuardedClient
from wiredesk.ingest.services import source_refresh
from wiredesk.sources.models import Source
from wiredesk.stories.models import Article, Story, StoryPosting
from wiredesk.stories.services.placing import story_place, stories_backfill
from wiredesk.stories.services.stories import story_refresh
from wiredesk.text.dates import epoch_day

UTC = dt.timezone.utc
NOW = dt.datetime(2026, 11, 20, 12, 0, tzinfo=UTC)

BACKGROUND = [
    ("Brackwater ferry timetable changes for winter", "Ferries from Brackwater run every ninety minutes from Monday."),
    ("Lowmere library opens on Sundays", "The town library in Lowmere will open from noon on Sundays."),
    ("Orchard growers expect a late apple harvest", "A cold spring held back blossom across the valley farms."),
    ("Tram drivers in Kingsbridge accept pay offer", "Drivers voted to accept a four per cent rise over two years."),
    ("Coastal path near Saltmarsh Bay reopens", "Walkers can use the cliff path again after repairs to a landslip."),
]
EVENT = [
    ("Fire destroys grain store in Port Ellis",
     "PORT ELLIS: A fire destroyed the cooperative grain store on Mill Lane overnight, firefighters said."),
    ("Port Ellis grain store gutted by overnight blaze",
     "PORT ELLIS: Flames tore through the Mill Lane grain store of the farmers' cooperative before dawn."),
]


def feed(items, *, prefix: str) -> str:
    entries = "".join(
        f"<item><title>{escape(t)}</title><guid>{prefix}-{n}</guid><link>https://{prefix}.example/news/{n}</link>"
        f"<pubDate>Fri, 20 Nov 2026 {8 + n % 3:02d}:00:00 GMT</pubDate>"
        f"<description>{escape(f'<p>{body}</p><p>More follows in the next paragraph of the story.</p>')}</description></item>"
        for n, (t, body) in enumerate(items)
    )
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>{prefix}</title>{entries}</channel></rss>'


@pytest.mark.django_db
def test_write_ups_from_two_wires_share_a_story_and_others_do_not():
    http = GuardedClient(allow_networks=("127.0.0.1/32",), deadline=5, connect_timeout=2)
    with LoopbackServer() as server:
        server.static("/a.xml", feed(BACKGROUND + EVENT[:1], prefix="a"), "application/rss+xml")
        server.static("/b.xml", feed(EVENT[1:], prefix="b"), "application/rss+xml")
        a = Source.objects.create(name="Alder Wire", credit="Alder Wire", feed_url=server.url("/a.xml"), language="en")
        b = Source.objects.create(name="Birch Wire", credit="Birch Wire", feed_url=server.url("/b.xml"), language="en")
        assert source_refresh(source_id=a.id, client=http, now=NOW).new == len(BACKGROUND) + 1
        assert source_refresh(source_id=b.id, client=http, now=NOW).new == 1
    first = Article.objects.get(title=EVENT[0][0])
    second = Article.objects.get(title=EVENT[1][0])
    assert first.story_id is not None and first.story_id == second.story_id
    others = Article.objects.exclude(id__in=[first.id, second.id])
    assert all(a.story_id is not None for a in others)
    assert first.story_id not in {a.story_id for a in others}
    assert len({a.story_id for a in others}) == len(BACKGROUND)
    story = Story.objects.get(id=first.story_id)
    assert story.size == 2
    assert story.first_seen_at == min(first.published_at, second.published_at)
    assert story.last_updated_at == max(first.published_at, second.published_at)
    lead = max([first, second], key=lambda x: (x.body_chars, -x.published_at.timestamp(), -x.id))
    assert story.lead_id == lead.id
    assert StoryPosting.objects.filter(story=story, day=epoch_day(first.published_at)).exists()


@pytest.mark.django_db
def test_a_copy_joins_the_story_of_its_original():
    wire, partner = make_source("Alder Wire"), make_source("Birch Wire")
    for title, body in BACKGROUND:
        story_place(article=store(wire, title, body=f"<p>{body}</p>"))
    original = store(wire, "Council adopts harbour plan", body="<p>KINGSBRIDGE: The council adopted the plan.</p>")
    story_place(article=original)
    copy = store(partner, "Lighthouse keeper honoured", body="<p>Unrelated words entirely about a keeper.</p>",
                 duplicate_of=original)
    assert story_place(article=copy) == original.story_id
    assert Story.objects.get(id=original.story_id).size == 2


@pytest.mark.django_db
def test_pinned_and_placed_articles_are_never_moved():
    wire = make_source("Alder Wire")
    article = store(wire, EVENT[0][0], body=f"<p>{EVENT[0][1]}</p>")
    article.story_pinned = True
    article.save(update_fields=["story_pinned"])
    assert story_place(article=article) is None
    assert Article.objects.get(id=article.id).story_id is None
    other = store(wire, EVENT[1][0], body=f"<p>{EVENT[1][1]}</p>")
    placed = story_place(article=other)
    assert story_place(article=Article.objects.get(id=other.id)) == placed
    assert Story.objects.count() == 1


@pytest.mark.django_db
def test_backfill_places_what_has_no_story_oldest_first():
    wire = make_source("Alder Wire")
    made = [store(wire, title, body=f"<p>{body}</p>",
                  published=NOW - dt.timedelta(hours=n)) for n, (title, body) in enumerate(BACKGROUND + EVENT)]
    assert Article.objects.filter(story__isnull=True).count() == len(made)
    assert stories_backfill(batch=3) == len(made)
    assert not Article.objects.filter(story__isnull=True).exists()
    event = Article.objects.filter(title__in=[t for t, _ in EVENT])
    assert len({a.story_id for a in event}) == 1
    assert stories_backfill() == 0
    out = io.StringIO()
    call_command("stories_backfill", stdout=out)
    assert out.getvalue().strip() == "stories: 0 articles placed"


@pytest.mark.django_db
def test_story_refresh_after_a_member_leaves():
    wire = make_source("Alder Wire")
    first = store(wire, EVENT[0][0], body=f"<p>{EVENT[0][1]}</p>", published=NOW - dt.timedelta(hours=2))
    second = store(wire, EVENT[1][0], body=f"<p>{EVENT[1][1]}</p>", published=NOW)
    story_id = story_place(article=first)
    assert story_place(article=second) == story_id
    Article.objects.filter(id=first.id).update(story=None)
    story_refresh(story=Story.objects.get(id=story_id))
    story = Story.objects.get(id=story_id)
    assert (story.size, story.lead_id, story.first_seen_at) == (1, second.id, second.published_at)


def _someone_waits_on_a_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND pid <> pg_backend_pid()")
        return cursor.fetchone()[0] > 0


@pytest.mark.django_db(transaction=True)
def test_two_workers_storing_one_event_at_once_leave_one_story():
    if connection.vendor != "postgresql":
        # The suite's SQLite database is in memory with a shared cache, which answers "locked"
        # instead of waiting; the file database the site runs on serialises writers (see
        # tests/core/test_sqlite_concurrency.py), so two placements there run one after the other.
        pytest.skip("concurrent placement is a PostgreSQL matter (CI's second pass)")
    wire, partner = make_source("Alder Wire"), make_source("Birch Wire")
    for title, body in BACKGROUND:
        story_place(article=store(wire, title, body=f"<p>{body}</p>"))
    a = store(wire, EVENT[0][0], body=f"<p>{EVENT[0][1]}</p>")
    b = store(partner, EVENT[1][0], body=f"<p>{EVENT[1][1]}</p>")
    # Worker A places its article and keeps its transaction open until worker B is either
    # done (it did not wait for A: the race is lost) or seen waiting on a lock in the server.
    a_placed, b_done = threading.Event(), threading.Event()
    errors = []

    def worker_a():
        try:
            with transaction.atomic():
                story_place(article=Article.objects.get(id=a.id))
                a_placed.set()
                for _ in range(200):
                    if b_done.wait(0.05) or _someone_waits_on_a_lock():
                        break
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            a_placed.set()
            connections.close_all()

    def worker_b():
        try:
            a_placed.wait(timeout=30)
            story_place(article=Article.objects.get(id=b.id))
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            b_done.set()
            connections.close_all()

    threads = [threading.Thread(target=worker_a), threading.Thread(target=worker_b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors
    a.refresh_from_db()
    b.refresh_from_db()
    assert a.story_id == b.story_id is not None
    assert Story.objects.get(id=a.story_id).size == 2


VARIANTS = [
    "Fire destroys grain store in Port Ellis",
    "Port Ellis grain store gutted by overnight fire",
    "Overnight fire guts the Port Ellis grain store",
    "Grain store in Port Ellis lost to fire",
]


@pytest.mark.django_db
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.sampled_from(VARIANTS), st.integers(0, 3), st.integers(0, 30)), min_size=2, max_size=7))
def test_a_story_summary_kept_member_by_member_is_what_a_full_recompute_gives(rows):
    """Placement folds each new member into its story's size, times, days and lead in the
    statement that adds its terms; whatever the members' order, lengths and times (ties
    included), that summary is the one story_refresh works out from every member."""
    with transaction.atomic():
        wire = make_source("Summary Wire")
        for title, length, hours in rows:
            body = "<p>" + "Firefighters were called to Mill Lane before dawn. " * (1 + 4 * length) + "</p>"
            article = store(wire, title, body=body, published=NOW - dt.timedelta(hours=hours))
            story_place(article=article)
        for story in Story.objects.filter(size__gt=0):
            kept = (story.size, story.lead_id, story.first_seen_at, story.last_updated_at, story.first_day, story.last_day)
            again = story_refresh(story=story)
            assert kept == (again.size, again.lead_id, again.first_seen_at, again.last_updated_at, again.first_day,
                            again.last_day)
        assert sum(Story.objects.values_list("size", flat=True)) == len(rows)
        transaction.set_rollback(True)

"""The Celery tasks, run eagerly: the scheduler tick leases due sources and refreshes them."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.utils import timezone

from tests.loopback import LoopbackServer, Reply
from wiredesk.core.http import client_reset
from wiredesk.ingest.services import lease_length, source_lease
from wiredesk.ingest.tasks import enqueue_due_sources, refresh_source
from wiredesk.sources.selectors import sources_due
from wiredesk.sources.models import Source
from wiredesk.stories.models import Article

pytestmark = pytest.mark.django_db


def rss(base: str, key: str) -> str:
    items = "".join(
        f"""<item><guid>{key}-{n}</guid><title>Story {n} of wire {key}</title><link>{base}/{key}/{n}</link>
<pubDate>Thu, 19 Nov 2026 0{n}:00:00 +0000</pubDate>
<description><![CDATA[<p>PORT ELLIS: Story {n} of wire {key}, told in full in the feed itself.</p>]]></description></item>"""
        for n in (1, 2)
    )
    return f"""<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Wire {key}</title>
<link>{base}/</link><description>d</description>{items}</channel></rss>"""


@pytest.fixture
def fetch_loopback(settings):
    settings.FETCH = {**settings.FETCH, "allow_networks": ("127.0.0.1/32",), "per_host": 2, "deadline": 10}
    client_reset()
    yield settings.FETCH
    client_reset()


@pytest.fixture
def srv():
    with LoopbackServer() as server:
        base = server.url("").rstrip("/")
        for key in "abcdefgh":
            server.route(f"/{key}.xml", lambda req, key=key: Reply(200, rss(base, key), {"Content-Type": "application/rss+xml"}))
        yield server


def make(srv: LoopbackServer, key: str, **fields) -> Source:
    return Source.objects.create(name=f"Wire {key}", credit=key, feed_url=srv.url(f"/{key}.xml"), **fields)


def fed(srv: LoopbackServer) -> set[str]:
    """The feeds the server was asked for."""
    return {r.path.strip("/").removesuffix(".xml") for r in srv.requests if r.path.endswith(".xml")}


def test_a_tick_leases_at_most_per_host_and_refreshes_them(eager, fetch_loopback, srv, django_capture_on_commit_callbacks):
    sources = [make(srv, key) for key in "abcde"]  # five sources on one host, 127.0.0.1
    before = timezone.now()

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert enqueue_due_sources() == 2
    assert len(callbacks) == 2
    leased = Source.objects.filter(lease_until__gt=before)
    assert leased.count() == 2
    assert not srv.requests  # nothing is sent before the transaction commits

    # The same moment again (another scheduler, or a tick before the workers ran): the host is full.
    with django_capture_on_commit_callbacks(execute=False) as more:
        assert enqueue_due_sources() == 0
    assert more == []

    for callback in callbacks:  # the commit: the eager tasks run now
        callback()
    first = {s.name[-1] for s in Source.objects.filter(last_success_at__isnull=False)}
    assert first == fed(srv) and len(first) == 2
    assert first == {s.name[-1] for s in sources[:2]}  # oldest due first
    assert Article.objects.count() == 4
    assert not Source.objects.filter(lease_until__isnull=False).exists()  # leases end with the refresh

    # Later ticks take the rest, two at a time, each source exactly once.
    with django_capture_on_commit_callbacks(execute=True):
        assert enqueue_due_sources() == 2
    with django_capture_on_commit_callbacks(execute=True):
        assert enqueue_due_sources() == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert enqueue_due_sources() == 0  # all refreshed, next checks are in the future
    assert fed(srv) == set("abcde")
    assert len([r for r in srv.requests if r.path.endswith(".xml")]) == 5
    assert Article.objects.count() == 10
    assert all(s.next_check_at > before for s in Source.objects.all())


def test_only_due_enabled_unleased_sources_are_picked(eager, fetch_loopback, srv, settings, django_capture_on_commit_callbacks):
    settings.FETCH = {**settings.FETCH, "per_host": 10}
    now = timezone.now()
    make(srv, "a")  # never checked
    make(srv, "b", next_check_at=now - dt.timedelta(minutes=1))  # due
    make(srv, "c", next_check_at=now - dt.timedelta(minutes=1), lease_until=now - dt.timedelta(seconds=1))  # lease ran out
    make(srv, "d", next_check_at=now - dt.timedelta(minutes=1), lease_until=now + dt.timedelta(minutes=5))  # live lease
    make(srv, "e", enabled=False)  # paused
    make(srv, "f", enabled=False, next_check_at=now - dt.timedelta(days=1))  # paused and long due
    make(srv, "g", next_check_at=now + dt.timedelta(minutes=5))  # not yet due

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert enqueue_due_sources() == 3
    # One enqueued refresh per picked source (the rest are page-cache invalidations).
    assert sum(1 for cb in callbacks if "refresh_source" in repr(cb)) == 3
    assert fed(srv) == {"a", "b", "c"}
    assert set(Article.objects.values_list("source__name", flat=True)) == {"Wire a", "Wire b", "Wire c"}
    assert Source.objects.get(name="Wire d").last_checked_at is None


def test_a_live_lease_counts_against_its_host(eager, fetch_loopback, srv, django_capture_on_commit_callbacks):
    now = timezone.now()
    make(srv, "a", lease_until=now + dt.timedelta(minutes=5))  # being refreshed by another worker
    for key in "bcd":
        make(srv, key)
    with django_capture_on_commit_callbacks(execute=True):
        assert enqueue_due_sources() == 1  # per_host is 2 and one is already in flight
    assert len(fed(srv)) == 1 and "a" not in fed(srv)


def test_task_arguments_are_json_ids(eager, fetch_loopback, srv, django_capture_on_commit_callbacks):
    source = make(srv, "a")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert enqueue_due_sources() == 1
    (callback,) = callbacks
    # core.outbox.enqueue queues refresh_source with args=(source.id,), expires=...: a plain
    # int, nothing else, and a number of seconds.
    assert callback.args == ("wiredesk.ingest.tasks.refresh_source",)
    assert set(callback.keywords) == {"args", "kwargs", "expires"} and callback.keywords["kwargs"] == {}
    assert callback.keywords["args"] == (source.id,)
    assert json.loads(json.dumps(callback.keywords)) == {"args": [source.id], "kwargs": {},
                                                         "expires": callback.keywords["expires"]}

    result = refresh_source.apply(args=[json.loads(json.dumps(source.id))])
    report = result.get()
    assert json.loads(json.dumps(report)) == report
    assert (report["source_id"], report["status"], report["new"]) == (source.id, "ok", 2)
    assert Article.objects.filter(source=source).count() == 2


def test_refresh_task_of_a_missing_or_paused_source_is_skipped(eager, fetch_loopback, srv):
    paused = make(srv, "a", enabled=False)
    assert refresh_source.apply(args=[paused.id]).get()["status"] == "skipped"
    assert refresh_source.apply(args=[paused.id + 1000]).get()["status"] == "skipped"
    assert srv.requests == []


def test_two_schedulers_never_lease_the_same_source(srv):
    LEASE = lease_length()
    now = timezone.now()
    source = make(srv, "a")
    assert source_lease(source_id=source.id, now=now) is True
    assert source_lease(source_id=source.id, now=now) is False
    assert source_lease(source_id=source.id, now=now + LEASE - dt.timedelta(seconds=1)) is False
    source.refresh_from_db()
    assert source.lease_until == now + LEASE
    # A lease lost with a dead worker runs out, and the source can be claimed again.
    assert source_lease(source_id=source.id, now=now + LEASE + dt.timedelta(seconds=1)) is True
    paused = make(srv, "b", enabled=False)
    assert source_lease(source_id=paused.id, now=now) is False


def test_two_ticks_at_the_same_time_enqueue_each_source_once(eager, fetch_loopback, settings, django_capture_on_commit_callbacks):
    settings.FETCH = {**settings.FETCH, "per_host": 10}
    for n in range(4):  # different hosts, so the per-host limit plays no part
        Source.objects.create(name=f"w{n}", credit="w", feed_url=f"https://wire{n}.example/feed")
    with django_capture_on_commit_callbacks(execute=False) as first:
        assert enqueue_due_sources() == 4
    with django_capture_on_commit_callbacks(execute=False) as second:
        assert enqueue_due_sources() == 0
    assert sorted(c.keywords["args"][0] for c in first) == sorted(Source.objects.values_list("id", flat=True))
    assert second == []


def test_a_lease_outlives_the_longest_refresh_it_stands_for(srv, settings, django_capture_on_commit_callbacks):
    # The longest refresh: queued until its task expires, then run until the hard time limit
    # kills it. Both figures are read from what the worker is actually given.
    settings.FETCH = {**settings.FETCH, "per_host": 10}
    source = make(srv, "a")
    now = timezone.now()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert enqueue_due_sources() == 1
    (callback,) = callbacks
    queued_for = dt.timedelta(seconds=callback.keywords["expires"])
    runs_for = dt.timedelta(seconds=refresh_source.time_limit)
    assert refresh_source.soft_time_limit < refresh_source.time_limit
    source.refresh_from_db()
    assert source.lease_until > now + queued_for + runs_for

    # Inside that window no scheduler sees the source as due or can lease it again.
    for later in (now, now + queued_for, now + queued_for + runs_for):
        assert source.id not in {s.id for s in sources_due(now=later, per_host=10)}
        assert source_lease(source_id=source.id, now=later) is False
    after = source.lease_until + dt.timedelta(seconds=1)
    assert source.id in {s.id for s in sources_due(now=after, per_host=10)}
    assert source_lease(source_id=source.id, now=after) is True


def test_a_refresh_killed_by_its_hard_limit_is_recorded_on_the_source(srv, settings):
    """Celery calls the task's failure hook in the supervising worker after the hard limit kills
    the refresh: the source says so and its lease is free, instead of waiting it out."""
    from celery.exceptions import TimeLimitExceeded

    from wiredesk.ingest.services import source_lease
    from wiredesk.ingest.tasks import refresh_source

    source = Source.objects.create(name="Stalled Wire", credit="Stalled", feed_url=srv.url("/stalled.xml"))
    now = timezone.now()
    assert source_lease(source_id=source.id, now=now)
    refresh_source.on_failure(TimeLimitExceeded(settings.REFRESH["hard_seconds"]), "task-1", (source.id,), {}, None)
    source.refresh_from_db()
    assert source.last_error.startswith("time_limit: killed after") and source.last_error.count("time_limit") == 1
    assert source.lease_until is None and source.consecutive_errors == 1
    assert source.next_check_at > source.last_error_at
    # Any other failure is not a time limit and changes nothing here.
    refresh_source.on_failure(RuntimeError("boom"), "task-2", (source.id,), {}, None)
    source.refresh_from_db()
    assert source.consecutive_errors == 1

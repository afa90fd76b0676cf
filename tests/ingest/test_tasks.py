"""The Celery tasks, run eagerly: the scheduler tick leases due sources and refreshes them."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.utils import timezone

from tests.loopback import LoopbackServer, Reply
from wiredesk.core.http import client_reset
from wiredesk.ingest.services import lease_length, source_lease, source_lease_start, source_refresh, sources_grant
from wiredesk.ingest.tasks import enqueue_due_sources, refresh_source
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


def leased_now() -> int:
    return Source.objects.filter(lease_until__gt=timezone.now()).count()


def test_a_tick_fills_each_hosts_slots_and_each_finished_refresh_fills_its_own(
        eager, fetch_loopback, srv, django_capture_on_commit_callbacks):
    sources = [make(srv, key) for key in "abcde"]  # five sources on one host, 127.0.0.1
    before = timezone.now()

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert enqueue_due_sources() == 2
    assert len(callbacks) == 2 and leased_now() == 2
    assert not srv.requests  # nothing is sent before the transaction commits

    # The same moment again (another scheduler, or a tick before the workers ran): the host is full.
    with django_capture_on_commit_callbacks(execute=False) as more:
        assert enqueue_due_sources() == 0
    assert more == []

    # The commit: the two refreshes run, and each one that ends hands its slot to the host's
    # next due source at once (no tick in between), two at a time, each source once.
    with django_capture_on_commit_callbacks(execute=True) as chained:
        for callback in callbacks:
            callback()
    asked = [r.path.strip("/").removesuffix(".xml") for r in srv.requests if r.path.endswith(".xml")]
    assert asked[:2] == ["a", "b"]  # the longest waiting first
    assert sorted(asked) == list("abcde")
    assert sum(1 for cb in chained if "refresh_source" in repr(cb)) == 3
    assert Article.objects.count() == 10
    assert not Source.objects.filter(lease_until__isnull=False).exists()  # leases end with the refresh
    assert all(s.next_check_at > before for s in Source.objects.all())
    with django_capture_on_commit_callbacks(execute=True):
        assert enqueue_due_sources() == 0  # all refreshed, next checks are in the future
    assert {s.name[-1] for s in sources} == set("abcde")


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
    with django_capture_on_commit_callbacks(execute=False):
        assert enqueue_due_sources() == 1  # per_host is 2 and one is already in flight
    assert leased_now() == 2


def test_task_arguments_are_json_ids_and_a_token(eager, fetch_loopback, srv, django_capture_on_commit_callbacks):
    source = make(srv, "a")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert enqueue_due_sources() == 1
    (callback,) = callbacks
    # core.outbox.enqueue queues refresh_source with args=(source.id, lease token), expires=...:
    # a plain int and a string, nothing else, and a number of seconds.
    token = Source.objects.get(id=source.id).lease_token
    assert callback.args == ("wiredesk.ingest.tasks.refresh_source",)
    assert set(callback.keywords) == {"args", "kwargs", "expires"} and callback.keywords["kwargs"] == {}
    assert callback.keywords["args"] == (source.id, token) and len(token) == 32
    assert json.loads(json.dumps(callback.keywords)) == {"args": [source.id, token], "kwargs": {},
                                                         "expires": callback.keywords["expires"]}

    result = refresh_source.apply(args=json.loads(json.dumps([source.id, token])))
    report = result.get()
    assert json.loads(json.dumps(report)) == report
    assert (report["source_id"], report["status"], report["new"]) == (source.id, "ok", 2)
    assert Article.objects.filter(source=source).count() == 2


def test_refresh_task_of_a_missing_or_paused_source_is_skipped(eager, fetch_loopback, srv):
    paused = make(srv, "a", enabled=False)
    assert refresh_source.apply(args=[paused.id]).get()["status"] == "skipped"
    assert refresh_source.apply(args=[paused.id + 1000]).get()["status"] == "skipped"
    assert srv.requests == []


def test_a_task_runs_only_while_its_lease_is_the_sources(eager, fetch_loopback, srv):
    """A message delivered twice, one whose lease ran out or was granted again, one queued
    before an editor's refresh: each does nothing, and nothing is fetched for it."""
    source = make(srv, "a")

    def polls() -> int:
        return sum(1 for r in srv.requests if r.path.endswith(".xml"))

    now = timezone.now()
    ((granted, token),) = sources_grant(now=now, per_host=2)
    assert granted == source.id
    assert refresh_source.apply(args=[source.id, token]).get()["status"] == "ok"
    assert refresh_source.apply(args=[source.id, token]).get()["status"] == "skipped"  # delivered again
    assert refresh_source.apply(args=[source.id, "f" * 32]).get()["status"] == "skipped"  # never granted
    assert polls() == 1

    # A worker killed during the refresh hands its task back: the source still holds the
    # lease (a refresh frees it as it ends), so the redelivery runs at once.
    Source.objects.filter(id=source.id).update(next_check_at=None)
    ((_, crashed),) = sources_grant(now=now, per_host=2)
    assert source_lease_start(source_id=source.id, lease=crashed, now=now)  # it started, then died
    assert refresh_source.apply(args=[source.id, crashed]).get()["status"] == "ok"
    assert polls() == 2
    assert refresh_source.apply(args=[source.id, crashed]).get()["status"] == "skipped"

    Source.objects.filter(id=source.id).update(next_check_at=None)
    ((_, old),) = sources_grant(now=now, per_host=2)
    later = now + lease_length() + dt.timedelta(seconds=1)  # the lease ran out with its worker...
    ((_, new),) = sources_grant(now=later, per_host=2)  # ...and the source was granted again
    assert old != new
    assert source_refresh(source_id=source.id, lease=old, now=later).status == "skipped"
    assert polls() == 2
    # A refresh asked for directly (the CLI) frees the lease: the queued task then stands down.
    assert source_refresh(source_id=source.id, now=later).status == "ok"
    assert source_refresh(source_id=source.id, lease=new, now=later).status == "skipped"
    assert polls() == 3


def test_new_feeds_wait_their_turn_behind_feeds_due_longer(srv):
    """A never-fetched source waits since it was added: a batch of new feeds does not starve
    the existing ones, nor do the existing ones starve a feed added long ago."""
    now = timezone.now()
    old_due = make(srv, "a", next_check_at=now - dt.timedelta(hours=1))
    new = make(srv, "b")
    added_long_ago = make(srv, "c")
    Source.objects.filter(id=added_long_ago.id).update(created_at=now - dt.timedelta(hours=2))
    order = []
    for _ in range(3):
        ((source_id, _),) = sources_grant(now=now, per_host=1)
        order.append(source_id)
        Source.objects.filter(id=source_id).update(lease_until=None, next_check_at=now + dt.timedelta(hours=1))
    assert order == [added_long_ago.id, old_due.id, new.id]


def test_two_schedulers_never_lease_the_same_source(srv):
    LEASE = lease_length()
    now = timezone.now()
    source = make(srv, "a")
    assert source_lease(source_id=source.id, now=now)
    assert source_lease(source_id=source.id, now=now) == ""
    assert source_lease(source_id=source.id, now=now + LEASE - dt.timedelta(seconds=1)) == ""
    source.refresh_from_db()
    assert source.lease_until == now + LEASE
    # A lease lost with a dead worker runs out, and the source can be claimed again.
    assert source_lease(source_id=source.id, now=now + LEASE + dt.timedelta(seconds=1))
    paused = make(srv, "b", enabled=False)
    assert source_lease(source_id=paused.id, now=now) == ""


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

    # Inside that window no scheduler can grant or lease the source again.
    for later in (now, now + queued_for, now + queued_for + runs_for):
        assert sources_grant(now=later, per_host=10) == []
        assert source_lease(source_id=source.id, now=later) == ""
    after = source.lease_until + dt.timedelta(seconds=1)
    assert [i for i, _ in sources_grant(now=after, per_host=10)] == [source.id]


def test_a_source_paused_while_its_refresh_waits_hands_its_slot_back(eager, fetch_loopback, srv, settings,
                                                                     django_capture_on_commit_callbacks):
    settings.FETCH = {**settings.FETCH, "per_host": 1}
    paused, other = make(srv, "a"), make(srv, "b")
    ((granted, token),) = sources_grant(now=timezone.now(), per_host=1)
    assert granted == paused.id
    Source.objects.filter(id=paused.id).update(enabled=False)  # an editor pauses it meanwhile
    with django_capture_on_commit_callbacks(execute=True):
        assert refresh_source.apply(args=[paused.id, token]).get()["status"] == "skipped"
    assert Source.objects.get(id=paused.id).lease_until is None
    assert fed(srv) == {"b"}  # the host's slot went to its next source at once
    assert Source.objects.get(id=other.id).last_success_at is not None


def test_a_refresh_that_expired_in_the_queue_frees_its_lease(eager, fetch_loopback, srv, settings,
                                                             django_capture_on_commit_callbacks):
    """Celery drops a task that waited past its expiry and says so (task_revoked, expired):
    the lease it stood for is freed and the host's slot granted again."""
    from celery.app.task import Context
    from celery.signals import task_revoked

    settings.FETCH = {**settings.FETCH, "per_host": 1}
    first, second = make(srv, "a"), make(srv, "b")
    ((granted, token),) = sources_grant(now=timezone.now(), per_host=1)
    assert granted == first.id
    with django_capture_on_commit_callbacks(execute=True):
        task_revoked.send(sender=refresh_source, request=Context(args=[first.id, token]), terminated=False,
                          signum=None, expired=True)
    # Still due, it was granted again at once (the longest waiting), then the next source.
    assert fed(srv) == {"a", "b"} and not Source.objects.filter(lease_until__isnull=False).exists()
    # A task revoked by hand (not expired) leaves the lease to run out as it is.
    Source.objects.filter(id=first.id).update(next_check_at=None)
    ((_, again),) = sources_grant(now=timezone.now(), per_host=1)
    task_revoked.send(sender=refresh_source, request=Context(args=[first.id, again]), terminated=False,
                      signum=None, expired=False)
    assert Source.objects.get(id=first.id).lease_token == again

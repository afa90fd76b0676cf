"""After hours off, the platform catches up without hammering anyone (reliability W4).

Sixty sources on three hosts were all due six hours ago, as after a long downtime. The
scheduler's tick fills each host's slots (the per-host limit), each refresh that ends hands
its slot to the host's next source, the longest-waiting first; every source is refreshed
exactly once, never more than the limit at once on a host, and the sources' next checks are
left spread over their interval by the schedule's jitter, so they do not all come due
together again.
"""

from __future__ import annotations

import collections
import datetime as dt
import statistics

import pytest
from django.utils import timezone

from tests.ingest.test_tasks import rss
from tests.loopback import LoopbackServer, Reply
from wiredesk.core.http import client_reset
from wiredesk.ingest import tasks
from wiredesk.sources.models import Source

pytestmark = pytest.mark.django_db

PER_HOST = 2
HOSTS = ("127.0.0.1", "127.0.0.2", "127.0.0.3")
PER_SERVER = 20


@pytest.fixture
def servers(settings):
    settings.FETCH = {**settings.FETCH, "allow_networks": ("127.0.0.0/8",), "per_host": PER_HOST, "deadline": 10}
    client_reset()
    started = [LoopbackServer(host=h).__enter__() for h in HOSTS]
    try:
        for server in started:
            base = server.url("").rstrip("/")
            for n in range(PER_SERVER):
                key = f"w{n}"
                server.route(f"/{key}.xml", lambda req, base=base, key=key: Reply(
                    200, rss(base, key), {"Content-Type": "application/rss+xml"}))
        yield started
    finally:
        for server in started:
            server.__exit__(None, None, None)
        client_reset()


def test_sixty_sources_due_for_six_hours_are_caught_up_politely_and_spread_out(eager, servers, monkeypatch,
                                                                                django_capture_on_commit_callbacks):
    now = timezone.now()
    off_since = now - dt.timedelta(hours=6)
    for i, server in enumerate(servers):
        for n in range(PER_SERVER):
            Source.objects.create(
                name=f"Wire {i}-{n}", credit=f"Wire {i}-{n}", feed_url=server.url(f"/w{n}.xml"),
                last_checked_at=off_since - dt.timedelta(minutes=5), next_check_at=off_since + dt.timedelta(seconds=n),
            )
    # Every grant is watched: the real one runs, then the leases held per host are counted.
    real_grant, after_grant = tasks.sources_grant, []

    def watched_grant(**kwargs):
        granted = real_grant(**kwargs)
        after_grant.append(collections.Counter(
            Source.objects.filter(lease_until__gt=timezone.now()).values_list("host", flat=True)))
        return granted

    monkeypatch.setattr(tasks, "sources_grant", watched_grant)
    with django_capture_on_commit_callbacks(execute=True):  # the workers run what is queued
        queued = tasks.enqueue_due_sources()
    # One tick fills every host's slots, and each refresh that ends hands its slot to the
    # host's next source: the whole backlog goes through without waiting for another tick.
    assert queued == len(HOSTS) * PER_HOST
    # Polite: never more than the per-host limit leased on a host at once, and the limit used.
    assert all(max(c.values(), default=0) <= PER_HOST for c in after_grant), after_grant
    assert after_grant[0] == {h: PER_HOST for h in HOSTS}
    # Each source refreshed exactly once, each host asked once per source, longest-waiting first.
    for server in servers:
        feeds = [r.path for r in server.requests if r.path.endswith(".xml")]
        assert feeds == [f"/w{n}.xml" for n in range(PER_SERVER)], feeds
    assert not Source.objects.filter(lease_until__isnull=False).exists()

    # Spread out: the next checks are not one herd again. Jitter of +-10 % of the interval
    # makes them differ by a good share of it, though all were refreshed within moments.
    sources = list(Source.objects.all())
    gaps = [(s.next_check_at - s.last_checked_at).total_seconds() for s in sources]
    interval = statistics.median(gaps)
    spread = (max(s.next_check_at for s in sources) - min(s.next_check_at for s in sources)).total_seconds()
    assert len({s.next_check_at for s in sources}) == len(sources)
    assert spread >= 0.1 * interval, (spread, interval)
    assert statistics.pstdev(gaps) >= 0.03 * interval, (statistics.pstdev(gaps), interval)

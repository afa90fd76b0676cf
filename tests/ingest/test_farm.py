"""A shortened run of bench/scale.py's wire farm, for correctness only: a deployment of real
processes (one worker, two schedulers by mistake) on PostgreSQL and Redis, polling 40 loopback
feeds on 4 host names with latency, ETags and new items. No feed fetched twice at once, never
more than the per-host limit in flight or leased, every feed refreshed on its cadence, no
article stored twice."""

from __future__ import annotations

import os
import sys
import time

import pytest
from django.db import connection

from tests.wirefarm import Deployment, Farm, most_leases_per_host, overlaps
from wiredesk.sources.models import Source, feed_host

FEEDS, HOSTS, INTERVAL, PER_HOST = 40, 4, 12, 2
BROKER = "redis://127.0.0.1:6379/13"


def _redis():
    redis = pytest.importorskip("redis")
    client = redis.Redis.from_url(BROKER, socket_connect_timeout=2)
    try:
        client.ping()
    except Exception:
        pytest.skip("no Redis on 127.0.0.1:6379")
    return client


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_deployment_keeps_every_feed_on_time_within_each_hosts_limit(tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("the scale-out deployment runs on PostgreSQL")
    _redis().flushdb()
    farm = Farm(feeds=FEEDS, hosts=HOSTS, new_every=20, latency=(0.05, 0.2), items=5).start()
    try:
        Source.objects.bulk_create([
            Source(name=f"Farm {k}", credit=f"Farm {k}", feed_url=farm.url(k), host=feed_host(farm.url(k)),
                   min_interval_seconds=INTERVAL) for k in range(FEEDS)
        ])
        db = connection.settings_dict
        env = {k: v for k, v in os.environ.items() if k not in {"CACHE_URL"}}
        root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
        env["PYTHONPATH"] = os.pathsep.join([root, env.get("PYTHONPATH", "")])
        env.update(DATABASE_URL=f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
                   CELERY_BROKER_URL=BROKER, WIREDESK_DATA_DIR=str(tmp_path),
                   WIREDESK_FETCH_ALLOW_NETWORKS="127.0.0.0/8", WIREDESK_FETCH_PER_HOST=str(PER_HOST),
                   WIREDESK_TICK_SECONDS="2", WIREDESK_POLL_MIN_SECONDS=str(INTERVAL),
                   WIREDESK_POLL_MAX_SECONDS=str(INTERVAL), WIREDESK_LOG_LEVEL="WARNING")
        deploy = Deployment(env, python=sys.executable)
        deploy.start("scheduler")
        deploy.start("scheduler")
        deploy.start("worker", "--name", "farmtest", "--concurrency", "2")
        peak_leases, deadline = 0, time.time() + 150
        try:
            while time.time() < deadline:
                time.sleep(0.5)
                peak_leases = max(peak_leases, most_leases_per_host(connection))
                fetched = {}
                for hit in list(farm.hits):
                    fetched[hit.feed] = fetched.get(hit.feed, 0) + 1
                if len(fetched) == FEEDS and min(fetched.values()) >= 3:
                    break
        finally:
            deploy.stop()
    finally:
        farm.stop()
    hits = list(farm.hits)
    starts: dict[int, list[float]] = {}
    for hit in hits:
        starts.setdefault(hit.feed, []).append(hit.start)
    assert len(starts) == FEEDS and min(len(s) for s in starts.values()) >= 3, sorted(len(s) for s in starts.values())
    gaps = [b - a for s in starts.values() for a, b in zip(sorted(s), sorted(s)[1:])]
    # Never sooner than the interval's jitter allows, less the moments between a refresh's
    # start and its request (a source granted twice would be fetched again at once).
    assert min(gaps) >= INTERVAL * 0.9 - 2.5, sorted(gaps)[:5]
    assert overlaps(hits) == 0
    assert max(farm.peak.values()) <= PER_HOST and peak_leases <= PER_HOST
    assert all(h.status in (200, 304) for h in hits)
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*), COUNT(DISTINCT (source_id, guid_key)) FROM stories_article")
        stored, distinct = cursor.fetchone()
    assert stored == distinct and stored >= FEEDS * 5
    assert not Source.objects.filter(consecutive_errors__gt=0).exists()

"""Leases granted to due sources: atomic across schedulers (never past a host's limit, never a
source twice), and the scheduler's tick run in the scheduler's own process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import threading
import time
from collections import Counter
from pathlib import Path

import pytest
from celery.beat import ScheduleEntry
from django.db import connection, transaction
from django.utils import timezone

from wiredesk.core.beat import HeartbeatScheduler
from wiredesk.ingest.services import sources_grant
from wiredesk.project.celery import app
from wiredesk.sources.models import Source

HOSTS = [f"wire{n}.example" for n in range(3)]
ROOT = Path(__file__).resolve().parents[2]


def make_sources(per_host: int) -> None:
    for host in HOSTS:
        for n in range(per_host):
            Source.objects.create(name=f"{host} {n}", credit=host, feed_url=f"https://{host}/feed-{n}.xml")


# A scheduler process: from the agreed start instant, grant, hold what it got a moment (as a
# refresh would), free it, again; print each lease it held as (source, host, from, to).
GRANTER = textwrap.dedent(
    """
    import datetime as dt, json, sys, time, django
    django.setup()
    from wiredesk.ingest.services import sources_grant
    from wiredesk.sources.models import Source
    start, rounds = float(sys.argv[1]), int(sys.argv[2])
    time.sleep(max(0.0, start - time.time()))
    held = []
    for _ in range(rounds):
        granted = [source_id for source_id, _ in sources_grant(now=dt.datetime.now(dt.timezone.utc), per_host=2)]
        got = time.time()
        time.sleep(0.02)
        hosts = dict(Source.objects.filter(id__in=granted).values_list("id", "host"))
        freed = time.time()
        later = dt.datetime.now(dt.timezone.utc) + dt.timedelta(hours=1)
        Source.objects.filter(id__in=granted).update(lease_until=None, next_check_at=later)  # refreshed
        held += [(source_id, hosts[source_id], got, freed) for source_id in granted]
    print(json.dumps(held))
    """
)
MAKER = "import django; django.setup(); from tests.ingest.test_grants import make_sources; make_sources(20)"


def _database_env(tmp_path) -> dict:
    """The environment of a process on the database this test uses: PostgreSQL's test
    database (its rows are committed: a transactional test), or a new SQLite file."""
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "CELERY_BROKER_URL", "CACHE_URL"}}
    env.update(WIREDESK_DATA_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="wiredesk.project.settings",
               PYTHONPATH=os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")]))
    if connection.vendor == "postgresql":
        db = connection.settings_dict
        env["DATABASE_URL"] = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
        make_sources(20)
    else:
        subprocess.run([sys.executable, "-m", "wiredesk", "migrate", "--noinput"], env=env, check=True, capture_output=True)
        subprocess.run([sys.executable, "-c", MAKER], env=env, check=True, cwd=ROOT)
    return env


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_concurrent_grants_never_lease_past_a_hosts_limit_nor_a_source_twice(tmp_path):
    """Four schedulers, as separate processes, granting the same moment's due sources at once."""
    env = _database_env(tmp_path)
    start = time.time() + 4  # every process started and set up by then
    runs = [subprocess.Popen([sys.executable, "-c", GRANTER, str(start), "40"], env=env, cwd=ROOT,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(4)]
    results = [run.communicate(timeout=180) for run in runs]
    assert [run.returncode for run in runs] == [0] * 4, [err for _, err in results]
    held = [tuple(lease) for out, _ in results for lease in json.loads(out)]
    assert len({lease[0] for lease in held}) == len(held) == 20 * len(HOSTS)  # each source once, all of them
    # At no moment more than two leases held on one host, nor one source held twice.
    for source_id, host, got, freed in held:
        alongside = [lease for lease in held if lease[2] < freed and got < lease[3]]
        assert sum(1 for lease in alongside if lease[1] == host) <= 2, (host, alongside)
        assert sum(1 for lease in alongside if lease[0] == source_id) == 1


@pytest.mark.django_db
def test_a_host_is_granted_only_its_free_slots_and_only_that_host_when_asked():
    make_sources(3)
    now = timezone.now()
    one = sources_grant(now=now, per_host=1, host=HOSTS[0])
    assert [Source.objects.get(id=i).host for i, _ in one] == [HOSTS[0]]
    rest = sources_grant(now=now, per_host=2)
    assert Counter(Source.objects.get(id=i).host for i, _ in rest) == {HOSTS[0]: 1, HOSTS[1]: 2, HOSTS[2]: 2}
    assert sources_grant(now=now, per_host=2) == []


@pytest.mark.django_db
def test_the_feed_host_is_kept_with_the_row(django_capture_on_commit_callbacks):
    source = Source.objects.create(name="w", credit="w", feed_url="https://Wire.Example:8443/a.xml")
    assert Source.objects.get(id=source.id).host == "wire.example"
    source.feed_url = "https://other.example/a.xml"
    source.save(update_fields=["feed_url"])
    assert Source.objects.get(id=source.id).host == "other.example"


@pytest.mark.django_db
def test_the_scheduler_runs_the_ingest_tick_itself(tmp_path, settings, django_capture_on_commit_callbacks):
    """Not through the broker, where it waited behind the refreshes it schedules: the due
    sources are leased by the time the beat's call returns, with no worker running."""
    settings.FETCH = {**settings.FETCH, "per_host": 2}
    make_sources(1)
    beat = HeartbeatScheduler(app=app, schedule_filename=str(tmp_path / "beat"), lazy=True)
    entry = ScheduleEntry(name="enqueue-due-sources", task="wiredesk.ingest.tasks.enqueue_due_sources",
                          schedule=30.0, app=app)
    eager, app.conf.task_always_eager = app.conf.task_always_eager, False  # as in a deployment
    try:
        with django_capture_on_commit_callbacks(execute=False) as queued:
            beat.apply_entry(entry)
    finally:
        app.conf.task_always_eager = eager
    assert Source.objects.filter(lease_until__gt=timezone.now()).count() == len(HOSTS)
    assert sum(1 for cb in queued if "refresh_source" in repr(cb)) == len(HOSTS)


@pytest.mark.django_db
def test_a_feed_moved_for_good_to_another_host_counts_against_that_host():
    """A permanent redirect moves the feed's address, and with it the host whose slots it uses."""
    from tests.ingest.test_tasks import rss
    from tests.loopback import LoopbackServer, Reply
    from wiredesk.core.http import GuardedClient
    from wiredesk.ingest.services import source_refresh

    with LoopbackServer(host="127.0.0.1") as old, LoopbackServer(host="127.0.0.2") as new:
        target = new.url("/moved.xml")
        new.route("/moved.xml", lambda req: Reply(200, rss(new.url("").rstrip("/"), "m"),
                                                  {"Content-Type": "application/rss+xml"}))
        old.route("/feed.xml", lambda req: Reply(301, b"", {"Location": target}))
        source = Source.objects.create(name="m", credit="m", feed_url=old.url("/feed.xml"))
        assert source.host == "127.0.0.1"
        client = GuardedClient(allow_networks=("127.0.0.0/8",), deadline=10)
        assert source_refresh(source_id=source.id, client=client).status == "ok"
    source.refresh_from_db()
    assert (source.feed_url, source.host) == (target, "127.0.0.2")


@pytest.mark.django_db(transaction=True)
def test_a_grant_waits_for_one_in_progress_and_counts_its_leases():
    """Two grants at once on PostgreSQL: the second waits for the first to commit and then
    counts the leases it gave, so a host's slots are never granted twice. (SQLite runs one
    writer at a time by its IMMEDIATE transactions.)"""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's concurrent transactions; SQLite's writers take turns")
    make_sources(3)
    now = timezone.now()
    first_granted, second_done = threading.Event(), threading.Event()
    second: list = []

    def other_scheduler() -> None:
        try:
            first_granted.wait(10)
            second.extend(sources_grant(now=now, per_host=2))
        finally:
            second_done.set()
            connection.close()

    thread = threading.Thread(target=other_scheduler)
    thread.start()
    with transaction.atomic():  # the first grant's transaction stays open a moment
        first = sources_grant(now=now, per_host=2)
        first_granted.set()
        assert not second_done.wait(1.0)  # the second grant waits on the first...
    thread.join(10)
    assert len(first) == 2 * len(HOSTS) and second == []  # ...then finds every slot taken

"""The scale-out stack with no code change: PostgreSQL, a Redis broker and cache, a separate worker."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest
from django.db import connection

from tests.ingest.test_refresh_e2e import CAPTION_ITEM, FULL_ITEM, rss
from tests.loopback import LoopbackServer, listening
from wiredesk.sources.models import Source
from wiredesk.stories.models import Article

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]
REDIS = ("127.0.0.1", 6379)


def redis_up() -> bool:
    return listening(*REDIS)


def database_url() -> str:
    s = connection.settings_dict
    return f"postgres://{s['USER']}@{s['HOST']}:{s['PORT']}/{s['NAME']}"


# Broker and cache databases per test process (pytest-xdist runs several): two processes'
# workers would take each other's tasks (each into its own test database) and read each
# other's cached brand tables. 13 is the wire farm's (tests/ingest/test_farm.py flushes it).
_REDIS_DBS = [(15, 14), (12, 11), (10, 9), (8, 7)]


def redis_dbs() -> tuple[int, int]:
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw")
    return _REDIS_DBS[int(worker) % len(_REDIS_DBS) if worker.isdigit() else 0]


@pytest.fixture
def scaleout_env(tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("runs in the PostgreSQL pass of `make test`")
    if not redis_up():
        pytest.skip("no Redis on 127.0.0.1:6379")
    env = dict(os.environ)
    env.update(
        WIREDESK_DATA_DIR=str(tmp_path),
        DATABASE_URL=database_url(),
        CELERY_BROKER_URL=f"redis://127.0.0.1:6379/{redis_dbs()[0]}",
        CACHE_URL=f"redis://127.0.0.1:6379/{redis_dbs()[1]}",
        WIREDESK_FETCH_ALLOW_NETWORKS="127.0.0.1/32",
    )
    return env


def test_a_worker_on_redis_refreshes_into_postgresql(scaleout_env):
    env = scaleout_env
    with LoopbackServer() as srv:
        srv.static("/feed.xml", rss((FULL_ITEM + CAPTION_ITEM).format(base=srv.url("").rstrip("/"))), "application/rss+xml")
        source = Source.objects.create(name="Quayside Ledger", credit="Quayside Ledger", feed_url=srv.url("/feed.xml"))
        worker = subprocess.Popen(
            [sys.executable, "-m", "wiredesk", "worker", "--concurrency", "1"],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )
        try:
            enqueue = (
                "from wiredesk.ingest.tasks import refresh_source; "
                f"refresh_source.delay({source.id}); "
                "from django.core.cache import cache; cache.set('scaleout', 'ok'); print(cache.get('scaleout'))"
            )
            out = subprocess.run([sys.executable, "-m", "wiredesk", "shell", "--no-imports", "-c", enqueue], env=env,
                                 capture_output=True, text=True, timeout=60)
            assert out.stdout.strip().endswith("ok"), out.stderr
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and Article.objects.filter(source=source).count() < 2:
                time.sleep(0.5)
        finally:
            worker.terminate()
            log, _ = worker.communicate(timeout=30)
    assert Article.objects.filter(source=source).count() == 2, log[-3000:]
    assert "transport:   redis://" in log and f"127.0.0.1:6379/{redis_dbs()[0]}" in log, log[:2000]

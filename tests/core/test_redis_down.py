"""The scale-out cache on Redis going away and coming back: readers are served throughout,
what cannot be counted is refused, and the cache is used again once Redis returns. The test
runs a redis-server of its own on a spare loopback port, so it can stop it."""

from __future__ import annotations

import shutil
import subprocess
import time

import pytest
import redis

from tests.core.test_run import free_port
from tests.web.factories import make_brand, make_source, store
from wiredesk.core import ratelimit

pytestmark = pytest.mark.django_db


class PrivateRedis:
    def __init__(self, folder) -> None:
        self.port, self.folder, self.proc = free_port(), folder, None

    def start(self) -> None:
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "3600 1", "--appendonly", "no",
             "--dir", str(self.folder)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while True:
            try:
                if self.client().ping():
                    return
            except redis.exceptions.ConnectionError:
                assert time.monotonic() < deadline, "redis-server did not start"
                time.sleep(0.05)

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=10)

    def client(self) -> redis.Redis:
        return redis.Redis(port=self.port, socket_connect_timeout=0.5)


@pytest.fixture
def private_redis(tmp_path, settings):
    if shutil.which("redis-server") is None:
        pytest.skip("no redis-server on this machine")
    server = PrivateRedis(tmp_path)
    server.start()
    location = f"redis://127.0.0.1:{server.port}/0"
    options = {"socket_connect_timeout": 0.5, "socket_timeout": 1.0}
    settings.CACHES = {
        "default": {"BACKEND": "wiredesk.core.rediscache.ResilientRedisCache", "LOCATION": location,
                    "KEY_PREFIX": "wiredesk", "OPTIONS": options},
        "pages": {"BACKEND": "wiredesk.core.rediscache.ResilientRedisCache", "LOCATION": location,
                  "KEY_PREFIX": "wiredesk-pages", "OPTIONS": options},
    }
    try:
        yield server
    finally:
        if server.proc.poll() is None:
            server.stop()


def test_pages_are_served_while_redis_is_down_and_cached_again_when_it_returns(client, private_redis, monkeypatch,
                                                                              django_capture_on_commit_callbacks):
    from wiredesk.core import rediscache

    monkeypatch.setattr(rediscache, "RETRY_SECONDS", 0.2)  # Redis is tried again after 0.2 s, not 5
    source = make_source("Harbour Wire")
    make_brand("Harbour Telegraph", ["harbour.test"], sources=[source])
    store(source, "Ferry timetable extended through the winter", section="world")
    page = client.get("/", HTTP_HOST="harbour.test")
    assert page.status_code == 200 and "Ferry timetable extended" in page.content.decode()
    assert private_redis.client().dbsize() > 0  # the cache is in use

    private_redis.stop()
    for path in ("/", "/section/world/", "/search/?q=ferry"):
        page = client.get(path, HTTP_HOST="harbour.test")
        assert page.status_code == 200, (path, page.status_code)
    # A story stored during the outage shows at once: no page is replayed from before it.
    with django_capture_on_commit_callbacks(execute=True):  # the store announces the change on commit
        store(source, "Harbour crane back in service after repairs", section="world")
    assert "Harbour crane back in service" in client.get("/", HTTP_HOST="harbour.test").content.decode()
    # What cannot be counted is refused, not let through.
    limit = ratelimit.Limit("test-form", count=5, seconds=60)
    assert ratelimit.hit(limit, "203.0.113.9") == 60

    # Back, on the same address and with the data it had before the outage (the old content
    # generation and the pages cached under it): the client reconnects by itself, and the
    # change announced while Redis was away is replayed, so no page from before is served.
    private_redis.start()
    time.sleep(0.3)
    page = client.get("/", HTTP_HOST="harbour.test")
    assert page.status_code == 200 and "Harbour crane back in service" in page.content.decode()
    assert private_redis.client().dbsize() > 0
    assert ratelimit.hit(limit, "203.0.113.9") is None  # counting again

"""The demo as `make run` starts it, on a simulated clock shared by the demo wires and the
refreshes: wires that publish every 30 seconds, with hours of backdated stories, are polled
near their 30-second minimum within a few minutes, and no story they publish is missed."""

from __future__ import annotations

import datetime as dt
import time
from urllib.parse import urlsplit

import pytest

from wiredesk.core.http import GuardedClient
from wiredesk.demo.server import DemoWireServer
from wiredesk.demo.services import demo_load
from wiredesk.ingest.services import source_refresh
from wiredesk.sources.models import Source
from wiredesk.stories.models import Article

INTERVAL = 30.0  # the demo wires' default: a new story per wire every ~30 s
TICK = 10  # `make run` sets WIREDESK_TICK_SECONDS=10: a due source waits at most a tick


@pytest.mark.django_db
def test_demo_wires_are_polled_at_their_rate_and_nothing_is_missed():
    clock = {"now": float(int(time.time()))}
    with DemoWireServer(port=0, interval=INTERVAL, clock=lambda: clock["now"]) as srv:
        start = clock["now"]
        demo_load(wires_url=srv.url(""))
        client = GuardedClient(allow_networks=("127.0.0.1/32",), deadline=10, connect_timeout=2)
        waits: list[tuple[float, str, float]] = []
        while clock["now"] < start + 8 * 60:
            # The scheduler's tick: every source due by now is refreshed, at the tick's time.
            clock["now"] += TICK
            now = dt.datetime.fromtimestamp(clock["now"], dt.timezone.utc)
            for source in Source.objects.filter(next_check_at__lte=now).order_by("id"):
                report = source_refresh(source_id=source.id, client=client, now=now)
                assert report.status in ("ok", "not_modified"), report.as_dict()
                source.refresh_from_db()
                waits.append((clock["now"] - start, source.name, (source.next_check_at - now).total_seconds()))

        # After a few minutes of learning, every wire is polled within two of its publishing
        # intervals (before the fix: 20 to 30 minutes on the strength of the backdated stories).
        settled = [(at, name, wait) for at, name, wait in waits if at > 5 * 60]
        assert settled and max(wait for *_, wait in settled) <= 2 * INTERVAL, settled
        # Even while learning, a wire is never left for half the time its feed's 20 items cover.
        assert max(wait for *_, wait in waits) <= 20 * INTERVAL / 2

        # Every story a wire published up to its last poll was stored (a feed shows only its
        # newest 20, so a long wait would have lost the older ones).
        for source in Source.objects.all():
            key = urlsplit(source.feed_url).path.strip("/").split("/")[0]
            published = srv.wires.schedules[key].visible(source.last_checked_at.timestamp())
            assert Article.objects.filter(source=source).count() == published, source.name

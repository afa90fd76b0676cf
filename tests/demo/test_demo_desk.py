"""The demo's desk: once the demo wires have brought stories, a pinned story leads the Harbour
Telegraph's front and a correction shows on its article page; the source health page has a
month to draw. The wires run on loopback and are ingested through the whole pipeline."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from tests.caches import clear_caches
from tests.web.factories import get
from wiredesk.core.http import GuardedClient
from wiredesk.demo.desk import CORRECTION_NOTE, DEMO_EDITOR, demo_desk
from wiredesk.demo.server import DemoWireServer
from wiredesk.demo.services import demo_load
from wiredesk.ingest.services import source_refresh
from wiredesk.sources.models import Source, SourceDay
from wiredesk.stories.models import Article, Pin

pytestmark = pytest.mark.django_db


@pytest.fixture
def ingested():
    clear_caches()
    with DemoWireServer(port=0, interval=3600, initial=12) as wires:
        demo_load(wires_url=wires.url(""))
        client = GuardedClient(allow_networks=("127.0.0.1/32",), deadline=10, connect_timeout=2)
        for source in Source.objects.order_by("id"):
            assert source_refresh(source_id=source.id, client=client).new
        yield
    clear_caches()


def test_nothing_to_do_before_the_wires_bring_stories():
    demo_load(wires_url="http://127.0.0.1:8001")
    out = io.StringIO()
    call_command("demo_desk", stdout=out)
    assert "no story covered by two wires yet" in out.getvalue() and not Pin.objects.exists()


def test_the_demo_desk_pins_a_story_and_publishes_a_correction_once(ingested, client):
    done = demo_desk(now=timezone.now())
    assert len(done) == 2 and done[0].startswith("pinned on Harbour Telegraph") and done[1].startswith("corrected")
    pin = Pin.objects.get(by=DEMO_EDITOR)
    assert pin.brand.hosts[0] == "harbour.localhost" and pin.until > timezone.now() + dt.timedelta(days=6)
    assert pin.article.story.members.count() >= 2  # a story several wires cover
    corrected = Article.objects.get(correction_note=CORRECTION_NOTE)
    assert corrected.revisions.filter(by=DEMO_EDITOR).count() == 1

    front = get(client, "/", host="harbour.localhost").content.decode()
    assert pin.article.title in front
    page = get(client, f"/story/{corrected.id}-{corrected.slug}/", host="harbour.localhost").content.decode()
    assert "wrong day for the harbour board" in page

    assert demo_desk(now=timezone.now()) is None  # once
    out = io.StringIO()
    call_command("demo_desk", "--wait", "600", stdout=out)  # returns at once: done before
    assert "done before" in out.getvalue()
    assert Pin.objects.count() == 1 and Article.objects.exclude(correction_note="").count() == 1


def test_the_demo_wires_have_a_month_of_health_figures():
    demo_load(wires_url="http://127.0.0.1:8001")
    today = timezone.now().date()
    rows = SourceDay.objects.filter(day__lt=today)
    assert rows.values("source").distinct().count() == 4 and rows.count() == 4 * 29
    valley = Source.objects.get(feed_url__contains="/valley/")
    outage = SourceDay.objects.filter(source=valley, errors__gt=1000).count()
    assert outage == 3
    demo_load(wires_url="http://127.0.0.1:8001")  # again: nothing added, nothing changed
    assert SourceDay.objects.count() == 4 * 29

"""demo_load creates the demo Sources and Brands once, and they point at a live demo server."""

from __future__ import annotations

import io
import urllib.request

import pytest
from django.core.management import call_command

from wiredesk.brands.models import Brand
from wiredesk.demo.server import DemoWireServer
from wiredesk.demo.services import demo_load
from wiredesk.sources.models import Source


@pytest.mark.django_db
def test_demo_load_is_idempotent():
    out = io.StringIO()
    call_command("demo_load", "--wires-url", "http://127.0.0.1:8001/", stdout=out)
    assert out.getvalue().count("source created") == 4 and out.getvalue().count("brand  created") == 2
    before = {s.feed_url: (s.next_check_at, s.pk) for s in Source.objects.all()}

    report = demo_load(wires_url="http://127.0.0.1:8001")
    assert Source.objects.count() == 4 and Brand.objects.count() == 2
    assert {a for *_, a in report["sources"] + report["brands"]} == {"unchanged"}
    assert {s.feed_url: (s.next_check_at, s.pk) for s in Source.objects.all()} == before

    by_format = {s.feed_url.rsplit("/", 2)[-2]: s for s in Source.objects.all()}
    assert by_format["harbour"].format == "rss" and by_format["northlight"].format == "atom"
    meridian, valley = by_format["meridian"], by_format["valley"]
    assert meridian.format == "jsonfeed" and meridian.licence == "excerpt" and meridian.canonical_to_original
    assert valley.fetch_full_text is False and valley.feed_url == "http://127.0.0.1:8001/valley/rss.xml"
    assert by_format["northlight"].section_map["Markets"] == "business"
    assert all(s.min_interval_seconds == 30 and s.next_check_at and s.closing_credit for s in by_format.values())
    brands = {b.hosts[0]: b for b in Brand.objects.all()}
    assert brands["harbour.localhost"].time_zone == "Australia/Sydney"
    assert brands["lakeside.localhost"].time_zone == "America/Toronto"
    # Each brand carries its region's wires and favours its own: the brands differ.
    carried = {
        host: {link.source.feed_url.rsplit("/", 2)[-2]: link.weight for link in b.brandsource_set.select_related("source")}
        for host, b in brands.items()
    }
    assert carried == {
        "harbour.localhost": {"harbour": 1.5, "northlight": 1.0, "meridian": 1.0, "valley": 1.0},
        "lakeside.localhost": {"meridian": 1.5, "northlight": 1.0, "valley": 1.0},
    }


@pytest.mark.django_db
def test_demo_load_repairs_edited_fields_and_rejects_bad_urls():
    demo_load(wires_url="http://127.0.0.1:8001")
    Source.objects.filter(name="Valley Dispatch").update(fetch_full_text=True)
    report = demo_load(wires_url="http://127.0.0.1:8001")
    assert ("Valley Dispatch", "http://127.0.0.1:8001/valley/rss.xml", "updated") in report["sources"]
    assert Source.objects.get(name="Valley Dispatch").fetch_full_text is False
    # A demo wire linked to the wrong brand is unlinked; a brand's own sources stay.
    lakeside = Brand.objects.get(name="Lakeside Courier")
    harbour_wire = Source.objects.get(name="Harbour Wire")
    own = Source.objects.create(name="Lakeside releases", credit="News release", feed_url="https://lakeside.example/r",
                                kind=Source.Kind.RELEASES)
    lakeside.brandsource_set.create(source=harbour_wire)
    lakeside.brandsource_set.create(source=own)
    report = demo_load(wires_url="http://127.0.0.1:8001")
    assert ("Lakeside Courier", "lakeside.localhost", "updated") in report["brands"]
    assert set(lakeside.brandsource_set.values_list("source__name", flat=True)) == {
        "Meridian News Service", "Northlight Press", "Valley Dispatch", "Lakeside releases"}
    with pytest.raises(ValueError):
        demo_load(wires_url="127.0.0.1:8001")


@pytest.mark.django_db
def test_loaded_sources_answer_on_a_running_demo_server():
    with DemoWireServer(port=0, interval=3600) as srv:
        demo_load(wires_url=srv.url(""))
        for source in Source.objects.all():
            for url in (source.feed_url, source.home_url):
                with urllib.request.urlopen(url, timeout=5) as resp:
                    assert resp.status == 200 and resp.read()


@pytest.mark.django_db
def test_demo_load_prints_the_addresses_readers_open(settings):
    settings.PUBLIC_SCHEME, settings.PUBLIC_PORT = "http", "8000"
    out = io.StringIO()
    call_command("demo_load", "--wires-url", "http://127.0.0.1:8001/", stdout=out)
    assert "Harbour Telegraph on http://harbour.localhost:8000/" in out.getvalue()
    assert "Lakeside Courier on http://lakeside.localhost:8000/" in out.getvalue()


@pytest.mark.django_db
def test_the_wires_banner_asks_for_demo_load_only_when_it_has_not_run():
    from wiredesk.demo.management.commands.demo_wires import _load_hint

    root = "http://127.0.0.1:8001"
    assert _load_hint(root) == f"load them into the site with: wiredesk demo_load --wires-url {root}"
    demo_load(wires_url=root)
    assert _load_hint(root) == "the site already polls them (their sources are loaded)"
    assert "demo_load" in _load_hint("http://127.0.0.1:8002")  # other wires: not loaded

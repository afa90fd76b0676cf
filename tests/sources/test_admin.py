"""The admin pages for sources and articles render, with health columns and read-only provenance."""

import datetime as dt

import pytest
from django.utils import timezone

from wiredesk.sources.models import Source
from wiredesk.stories.models import Article

pytestmark = pytest.mark.django_db


@pytest.fixture
def stored():
    ok = Source.objects.create(name="Tidewater Bulletin", credit="Tidewater", feed_url="https://tide.example/feed",
                               last_success_at=timezone.now())
    broken = Source.objects.create(name="Broken Wire", credit="Broken", feed_url="https://broken.example/feed",
                                   consecutive_errors=12, last_error="timeout: no answer within 30 s")
    article = Article.objects.create(
        source=ok, guid="t-1", guid_key="a" * 64, slug="pier", title="Pier <reopens>", body_html="<p>x</p>",
        published_at=timezone.now() - dt.timedelta(hours=1), section="world", fingerprint="f" * 64, raw_hash="r" * 64,
    )
    return ok, broken, article


def test_source_list_shows_health(staff, stored):
    page = staff.get("/admin/sources/source/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "Tidewater Bulletin" in html and ">ok<" in html
    assert ">broken<" in html and "timeout: no answer within 30 s" in html


def test_article_provenance_is_read_only(staff, stored):
    _, _, article = stored
    page = staff.get(f"/admin/stories/article/{article.id}/change/")
    html = page.content.decode()
    assert page.status_code == 200
    assert 'name="section"' in html  # editable
    assert 'name="title"' not in html  # the headline changes only through a correction, with its note
    assert 'name="guid"' not in html and 'name="raw_hash"' not in html and 'name="body_html"' not in html
    assert "Pier &lt;reopens&gt;" in html  # escaped


def test_pause_action(staff, stored):
    ok, _, _ = stored
    staff.post("/admin/sources/source/", {"action": "pause", "_selected_action": [ok.id]})
    ok.refresh_from_db()
    assert not ok.enabled and "editor" in ok.paused_reason


def test_admin_needs_login(client, stored):
    assert client.get("/admin/sources/source/").status_code == 302


def test_refresh_now_leases_and_skips_a_source_already_being_refreshed(staff, stored, django_capture_on_commit_callbacks):
    """The admin's "refresh now" takes the scheduler's lease: a queued or running refresh is
    never joined by a second one of the same source."""
    from wiredesk.ingest.services import source_lease

    ok, broken, _ = stored
    assert source_lease(source_id=broken.id, now=timezone.now())  # the scheduler has it
    with django_capture_on_commit_callbacks() as queued:
        page = staff.post("/admin/sources/source/", {"action": "refresh_now", "_selected_action": [ok.id, broken.id]},
                          follow=True)
    html = page.content.decode()
    assert "1 source(s) queued for refresh" in html and "1 source(s) skipped" in html
    assert len(queued) == 1
    ok.refresh_from_db()
    assert ok.lease_until is not None and ok.lease_until > timezone.now()


def test_forgetting_a_sources_learned_furniture(staff, stored):
    from wiredesk.ingest.profiles import furniture_learn, furniture_profile
    from wiredesk.sources.models import SourceFurniture

    ok, broken, _ = stored
    furniture_learn(source_id=ok.id, pages=[frozenset({"k1", "k2"})] * 12)
    furniture_learn(source_id=broken.id, pages=[frozenset({"k3"})] * 12)
    assert furniture_profile(source_id=ok.id).furniture() == {"k1", "k2"}
    page = staff.post("/admin/sources/source/", {"action": "forget_furniture", "_selected_action": [ok.id]}, follow=True)
    assert "furniture forgotten for 1 source(s)" in page.content.decode()
    assert furniture_profile(source_id=ok.id).furniture() == frozenset()
    assert SourceFurniture.objects.filter(source=broken).exists()  # only the selected one

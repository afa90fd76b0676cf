"""Refreshes teach a source's furniture profile and use it: a real feed and pages on loopback."""

from __future__ import annotations

import datetime as dt
import io
import json
import random

import pytest
from django.core.management import CommandError, call_command

from tests.ingest.extract.test_furniture import FURNITURE, site_page
from tests.loopback import LoopbackServer
from wiredesk.core.http import GuardedClient
from wiredesk.ingest.profiles import furniture_profile
from wiredesk.ingest.services import source_refresh
from wiredesk.sources.models import Source, SourceFurniture
from wiredesk.stories.models import Article
from wiredesk.text.sanitize import html_to_text

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.timezone.utc)


class Site:
    """The generated Lakeside site: 30 article pages and a summary-only feed of the first N."""

    def __init__(self, srv: LoopbackServer) -> None:
        rng = random.Random(11)
        self.srv, self.listed = srv, 0
        self.pages = [site_page(n, rng=rng) for n in range(30)]
        for n, (html, _) in enumerate(self.pages):
            srv.static(f"/news/{n}", html, "text/html; charset=utf-8")
        srv.static("/robots.txt", "User-agent: *\nAllow: /\n", "text/plain")

    def publish(self, count: int) -> None:
        items = "".join(
            f"<item><guid>lakeside-{n}</guid><title>Story {n}</title><link>{self.srv.url(f'/news/{n}')}</link>"
            f"<pubDate>Tue, 01 Dec 2026 {n % 24:02d}:00:00 +0000</pubDate><description>Summary {n}.</description></item>"
            for n in range(count)
        )
        self.srv.static("/feed.xml", f'<?xml version="1.0"?><rss version="2.0"><channel><title>Lakeside</title>'
                        f"<link>{self.srv.url('/')}</link><description>d</description>{items}</channel></rss>",
                        "application/rss+xml")


@pytest.fixture
def site():
    with LoopbackServer() as srv:
        yield Site(srv)


@pytest.fixture
def client():
    return GuardedClient(allow_networks=("127.0.0.1/32",), deadline=10, connect_timeout=2)


def _text(guid: str) -> str:
    return html_to_text(Article.objects.get(guid=guid).body_html)


def test_refreshes_learn_the_furniture_and_later_articles_lose_it(site, client):
    source = Source.objects.create(name="Lakeside Telegraph", credit="Lakeside Telegraph", feed_url=site.srv.url("/feed.xml"))
    site.publish(12)
    assert source_refresh(source_id=source.id, client=client, now=NOW).new == 12
    # Learned from the refresh: the first pages were stored as extracted, with the furniture.
    assert all(FURNITURE[0] in _text(f"lakeside-{n}") for n in range(12))
    stored = SourceFurniture.objects.get(source=source)
    assert stored.profile["pages"] == 12
    assert "Order a reprint" not in json.dumps(stored.profile)  # keys only, no text

    site.publish(30)
    assert source_refresh(source_id=source.id, client=client, now=NOW + dt.timedelta(hours=1)).new == 18
    for n in range(12, 30):
        text = _text(f"lakeside-{n}")
        assert not any(line in text for line in FURNITURE), text
        assert all(line in text for line in site.pages[n][1])
    assert furniture_profile(source_id=source.id).pages == 30


def test_the_extract_command_uses_a_sources_profile(site, client, tmp_path):
    source = Source.objects.create(name="Lakeside Telegraph", credit="Lakeside Telegraph", feed_url=site.srv.url("/feed.xml"))
    site.publish(12)
    source_refresh(source_id=source.id, client=client, now=NOW)
    page = tmp_path / "page.html"
    page.write_text(site.pages[20][0], encoding="utf-8")

    plain, learned = io.StringIO(), io.StringIO()
    call_command("extract", str(page), "--json", stdout=plain)
    call_command("extract", str(page), "--json", "--source", "Lakeside Telegraph", stdout=learned)
    assert FURNITURE[1] in json.loads(plain.getvalue())["text"]
    assert FURNITURE[1] not in json.loads(learned.getvalue())["text"]
    by_id = io.StringIO()
    call_command("extract", str(page), "--json", "--source", str(source.id), stdout=by_id)
    assert by_id.getvalue() == learned.getvalue()
    with pytest.raises(CommandError, match="no source named"):
        call_command("extract", str(page), "--source", "Nobody's Gazette")


def test_one_page_listed_under_many_identities_teaches_once(site, client):
    source = Source.objects.create(name="Lakeside Telegraph", credit="Lakeside Telegraph", feed_url=site.srv.url("/feed.xml"))
    link = site.srv.url("/news/3")
    items = "".join(f"<item><guid>copy-{n}</guid><title>Story</title><link>{link}</link>"
                    f"<description>Summary.</description></item>" for n in range(12))
    site.srv.static("/feed.xml", f'<?xml version="1.0"?><rss version="2.0"><channel><title>L</title>'
                    f"<link>{site.srv.url('/')}</link><description>d</description>{items}</channel></rss>",
                    "application/rss+xml")
    source_refresh(source_id=source.id, client=client, now=NOW)
    assert furniture_profile(source_id=source.id).pages == 1
    assert furniture_profile(source_id=source.id).furniture() == frozenset()


def test_a_failure_to_teach_costs_only_the_lesson(site, client, monkeypatch):
    from django.db import OperationalError

    import wiredesk.ingest.store as store

    def locked(**kwargs):
        raise OperationalError("database is locked")

    monkeypatch.setattr(store, "furniture_learn", locked)
    source = Source.objects.create(name="Lakeside Telegraph", credit="Lakeside Telegraph", feed_url=site.srv.url("/feed.xml"))
    site.publish(12)
    report = source_refresh(source_id=source.id, client=client, now=NOW)
    assert (report.status, report.new) == ("ok", 12)
    source.refresh_from_db()
    assert source.last_success_at is not None and source.consecutive_errors == 0
    assert not SourceFurniture.objects.filter(source=source).exists()

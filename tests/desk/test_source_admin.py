"""Sources in the admin: added from a site or feed URL with a preview before saving, the health
page's charts, and OPML in and out. The feeds come from a real loopback server."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone

from tests.loopback import LoopbackServer, Reply
from wiredesk.core import http as http_module
from wiredesk.sources.models import Source, SourceAlert
from wiredesk.sources.services import source_day_count

pytestmark = pytest.mark.django_db

FEED = """<?xml version="1.0"?>
<rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/"><channel><title>Saltmarsh Gazette</title>
<link>{base}/</link><language>en</language>
<item><title>Causeway reopens after the spring tides</title><link>{base}/causeway</link><guid>s-1</guid>
<category>Local</category><category>Transport</category>
<pubDate>Wed, 02 Dec 2026 08:00:00 +0000</pubDate>
<description>&lt;p&gt;The causeway to Gull Island reopened on Wednesday after the council's engineers checked it.&lt;/p&gt;</description>
<media:content url="{base}/img/causeway.jpg" medium="image"/></item>
<item><title>Oyster beds fare well in the survey</title><link>{base}/oysters</link><guid>s-2</guid>
<category>Business</category><pubDate>Tue, 01 Dec 2026 08:00:00 +0000</pubDate>
<content:encoded xmlns:content="http://purl.org/rss/1.0/modules/content/">&lt;p&gt;Growers in the estuary had their best survey in a decade, the fisheries board said.&lt;/p&gt;&lt;p&gt;It credits the clean-up of the upper river.&lt;/p&gt;</content:encoded></item>
</channel></rss>"""

HOME = """<!doctype html><html><head><title>Saltmarsh Gazette</title>
<link rel="alternate" type="application/rss+xml" title="News" href="/feed.xml"></head>
<body><h1>Saltmarsh Gazette</h1></body></html>"""


@pytest.fixture
def gazette(settings, monkeypatch):
    settings.FETCH = {**settings.FETCH, "allow_networks": ("127.0.0.1/32",), "deadline": 10}
    monkeypatch.setattr(http_module.client, "_shared", None)  # rebuilt from the settings above
    with LoopbackServer() as server:
        base = server.url("").rstrip("/")
        server.route("/feed.xml", lambda req: Reply(200, FEED.format(base=base), {"Content-Type": "application/rss+xml"}))
        server.route("/", lambda req: Reply(200, HOME, {"Content-Type": "text/html; charset=utf-8"}))
        server.route("/plain", lambda req: Reply(200, "<html><body>no feed here</body></html>",
                                                 {"Content-Type": "text/html"}))
        yield server


def test_adding_a_source_from_its_site_previews_before_saving(staff, gazette):
    form = staff.get("/admin/sources/source/add/")
    assert form.status_code == 200 and 'name="url"' in form.content.decode()

    preview = staff.post("/admin/sources/source/add/", {"url": gazette.url("/")})
    html = preview.content.decode()
    assert preview.status_code == 200
    assert "Found: Saltmarsh Gazette" in html
    assert gazette.url("/feed.xml") in html  # found through the home page's <link rel=alternate>
    assert "with 2 items" in html
    assert "Causeway reopens after the spring tides" in html and "Oyster beds fare well" in html
    assert "from Local, Transport" in html and "extracted from its page" in html and "from the feed" in html
    assert "/img/causeway.jpg" in html
    assert Source.objects.count() == 0  # nothing stored by looking

    assert "<td>local<br>" in html  # a category that names a section goes there unmapped
    previewed = re.search(r'name="previewed" value="([^"]+)"', html).group(1)
    # The editor maps a category, previews again: the first mapped category wins.
    fields = {"url": gazette.url("/"), "name": "Saltmarsh Gazette", "credit": "Saltmarsh", "format": "rss",
              "feed_url": gazette.url("/feed.xml"), "home_url": gazette.url("/"), "licence": "full",
              "withdrawals": "flag", "section_map": '{"Transport": "technology"}', "default_section": "world",
              "language": "en", "previewed": previewed}
    again = staff.post("/admin/sources/source/add/", {**fields, "preview": "1"}).content.decode()
    assert "<td>technology<br>" in again and "<td>business<br>" in again
    assert Source.objects.count() == 0

    saved = staff.post("/admin/sources/source/add/", {**fields, "save": "1"})
    source = Source.objects.get()
    assert saved.status_code == 302 and saved["Location"].endswith(f"/admin/sources/source/{source.pk}/change/")
    assert (source.feed_url, source.credit, source.section_map) == (gazette.url("/feed.xml"), "Saltmarsh",
                                                                    {"Transport": "technology"})

    # The same feed again: the preview says so and offers no save.
    dup = staff.post("/admin/sources/source/add/", {"url": gazette.url("/feed.xml")}).content.decode()
    assert "already a source" in dup and 'name="save"' not in dup


@pytest.mark.parametrize("url, says", [
    ("ftp://files.example/feed", "http or https"),
    ("/plain", "advertises no feed"),
    ("/missing", "could not fetch"),
])
def test_a_url_without_a_feed_gets_a_clear_error(staff, gazette, url, says):
    if url.startswith("/"):
        url = gazette.url(url)
    page = staff.post("/admin/sources/source/add/", {"url": url}).content.decode()
    assert says in page and 'class="errorlist' in page
    assert Source.objects.count() == 0


def test_only_a_previewed_feed_with_valid_settings_is_saved(staff, gazette):
    fields = {"url": gazette.url("/feed.xml"), "name": "S", "credit": "S", "format": "rss",
              "feed_url": gazette.url("/feed.xml"), "licence": "full", "withdrawals": "flag",
              "section_map": '{"Local": "gardening"}', "default_section": "world", "save": "1"}
    page = staff.post("/admin/sources/source/add/", fields).content.decode()
    assert "sections are:" in page and Source.objects.count() == 0
    previewed = re.search(r'name="previewed" value="([^"]+)"', page).group(1)  # the page previews it again
    # A save without a preview's signature, or with another feed's address, is refused.
    for forged in ({"previewed": ""}, {"previewed": previewed, "feed_url": "https://elsewhere.example/feed"}):
        refused = staff.post("/admin/sources/source/add/", {**fields, "section_map": "{}", **forged}).content.decode()
        assert "Preview the feed before saving it" in refused
        assert Source.objects.count() == 0
    saved = staff.post("/admin/sources/source/add/", {**fields, "section_map": "{}", "previewed": previewed})
    assert saved.status_code == 302 and Source.objects.get().feed_url == gazette.url("/feed.xml")


def test_the_health_page_draws_each_source_and_lists_alerts(staff):
    now = timezone.now()
    calm = Source.objects.create(name="Calm <b>Wire</b>", credit="C", feed_url="https://calm.example/feed",
                                 last_success_at=now, next_check_at=now + dt.timedelta(minutes=4))
    sick = Source.objects.create(name="Sick Wire", credit="S", feed_url="https://sick.example/feed",
                                 consecutive_errors=4, last_error="timeout")
    for back in range(5):
        source_day_count(source_id=calm.id, at=now - dt.timedelta(days=back), new_items=back + 1, seconds=0.2)
    source_day_count(source_id=sick.id, at=now, error=True)
    SourceAlert.objects.create(source=sick, kind="failing", detail="no successful refresh for 9 hours",
                               raised_at=now)
    page = staff.get("/admin/sources/source/health/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "Calm &lt;b&gt;Wire&lt;/b&gt;" in html and "<b>Wire</b>" not in html
    assert html.index("Sick Wire") < html.index("Calm &lt;b&gt;Wire")  # trouble first
    assert "Sick Wire</strong> is failing" in html
    assert html.count('role="img"') == 6
    assert "New articles per day, last 30 days: 15 articles in all, today 1" in html
    assert "1 of 1 refreshes" in html and "latest 200 ms" in html and "in 3\xa0minutes" in html


def test_the_health_page_and_adding_need_their_permissions(client, django_user_model):
    viewer = django_user_model.objects.create_user("viewer", "", "pw-long-enough-4", is_staff=True)
    client.force_login(viewer)
    assert client.get("/admin/sources/source/health/").status_code == 403
    viewer.user_permissions.add(Permission.objects.get(codename="view_source"))
    assert client.get("/admin/sources/source/health/").status_code == 200
    assert client.get("/admin/sources/source/add/").status_code == 403
    assert client.post("/admin/sources/source/opml/import/").status_code == 403


OPML = b"""<?xml version="1.0"?><opml version="2.0"><head><title>t</title></head><body>
<outline text="Business"><outline text="Quarry Ledger" xmlUrl="https://ledger.example/rss" htmlUrl="https://ledger.example/"/></outline>
<outline text="Fen Radio" xmlUrl="https://fen.example/feed"/>
<outline text="Bad" xmlUrl="javascript:alert(1)"/>
</body></opml>"""


def test_opml_import_and_export_in_the_admin(staff):
    from django.core.files.uploadedfile import SimpleUploadedFile

    page = staff.post("/admin/sources/source/opml/import/",
                      {"file": SimpleUploadedFile("subs.opml", OPML, content_type="text/x-opml")}, follow=True)
    text = page.content.decode()
    assert "2 source(s) added from 3 outline(s)" in text and "1 skipped" in text
    assert Source.objects.get(name="Quarry Ledger").default_section == "business"

    exported = staff.get("/admin/sources/source/opml/export/")
    assert exported["Content-Type"].startswith("text/x-opml")
    assert b'xmlUrl="https://ledger.example/rss"' in exported.content and b'xmlUrl="https://fen.example/feed"' in exported.content

    # Re-importing the export changes nothing: every feed is known.
    again = staff.post("/admin/sources/source/opml/import/",
                       {"file": SimpleUploadedFile("back.opml", exported.content)}, follow=True)
    assert "0 source(s) added" in again.content.decode() and Source.objects.count() == 2

    # The action exports just the ones picked.
    fen = Source.objects.get(name="Fen Radio")
    picked = staff.post("/admin/sources/source/", {"action": "export_opml", "_selected_action": [fen.pk]})
    assert b"fen.example" in picked.content and b"ledger.example" not in picked.content


def test_a_hostile_opml_file_is_refused_and_nothing_is_stored(staff):
    from django.core.files.uploadedfile import SimpleUploadedFile

    bomb = (b'<?xml version="1.0"?><!DOCTYPE opml [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
            b'<opml version="2.0"><body><outline text="&b;" xmlUrl="https://x.example/f"/></body></opml>')
    page = staff.post("/admin/sources/source/opml/import/", {"file": SimpleUploadedFile("x.opml", bomb)})
    assert page.status_code == 200 and "could not be read" in page.content.decode()
    assert Source.objects.count() == 0

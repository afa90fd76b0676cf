"""The sources' desk in headless Chromium: the health page's SVG charts under the admin's
Content-Security-Policy and through axe, and adding a source from its site with the preview."""

from __future__ import annotations

import json

import pytest

from tests.browser.helpers import AXE
from tests.browser.test_admin import PASSWORD, sign_in, violations, watched  # noqa: F401 (a fixture)
from tests.loopback import LoopbackServer, Reply
from wiredesk.core import http as http_module
from wiredesk.sources.models import Source, SourceAlert

pytestmark = pytest.mark.browser


@pytest.fixture
def staff(site, django_user_model):
    return django_user_model.objects.create_superuser("chief", "", PASSWORD)


def _axe(page) -> list[dict]:
    page.add_script_tag(path=str(AXE))
    results = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [{"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"][:3]]}
            for v in results["violations"] if v["impact"] in ("serious", "critical")]


def test_the_health_page_draws_its_charts_under_the_csp(site, staff, watched, new_page):
    source = Source.objects.order_by("id").first()
    SourceAlert.objects.create(source=source, kind="silent", detail="no new article for 30 hours",
                               raised_at=source.created_at)
    page = watched
    sign_in(page)
    page.goto("/admin/sources/source/")
    page.click("text=Source health")
    page.wait_for_url("**/admin/sources/source/health/")
    assert not violations(page), violations(page)
    sources = Source.objects.filter(kind="wire").count()
    charts = page.locator("svg.spark[role=img]")
    assert charts.count() == 3 * sources
    # Every demo wire was refreshed once by the fixture: a bar for today in its articles chart,
    # drawn (the stylesheet loaded: the chart has its size and its bar a colour).
    first = page.locator("svg.spark").first
    box = first.bounding_box()
    assert box and box["width"] == pytest.approx(150, abs=1) and box["height"] == pytest.approx(30, abs=1)
    fill = page.evaluate("() => getComputedStyle(document.querySelector('svg.spark rect.bar')).fill")
    assert fill not in ("", "none", "rgb(0, 0, 0)")
    assert page.locator("svg.spark title").first.text_content().startswith("New articles per day, last 30 days:")
    assert f"{source.name} is gone silent" in page.locator(".health-alerts").inner_text()

    checked = new_page(bypass_csp=True)  # axe is injected inline, which the CSP refuses
    checked.goto("/admin/login/")
    checked.fill("#id_username", "chief")
    checked.fill("#id_password", PASSWORD)
    checked.click("input[type=submit]")
    checked.wait_for_url("**/admin/")
    checked.goto("/admin/sources/source/health/")
    assert not _axe(checked), json.dumps(_axe(checked), indent=1)


FEED = """<?xml version="1.0"?><rss version="2.0"><channel><title>Brackwater Echo</title><link>{base}/</link>
<item><title>Ferry fares hold for the winter</title><link>{base}/fares</link><guid>b-1</guid>
<category>Business</category><pubDate>Wed, 02 Dec 2026 08:00:00 +0000</pubDate>
<description>&lt;p&gt;The Brackwater ferry company will keep its fares until March, its manager said.&lt;/p&gt;</description></item>
</channel></rss>"""


def test_an_editor_adds_a_source_from_its_site(site, staff, watched, settings, monkeypatch):
    settings.FETCH = {**settings.FETCH, "allow_networks": ("127.0.0.1/32",), "deadline": 10}
    monkeypatch.setattr(http_module.client, "_shared", None)
    with LoopbackServer() as echo:
        base = echo.url("").rstrip("/")
        echo.route("/feed.rss", lambda req: Reply(200, FEED.format(base=base), {"Content-Type": "application/rss+xml"}))
        echo.route("/", lambda req: Reply(200, '<html><head><link rel="alternate" type="application/rss+xml" '
                                               'href="/feed.rss"></head><body>Echo</body></html>',
                                          {"Content-Type": "text/html"}))
        page = watched
        sign_in(page)
        page.goto("/admin/sources/source/")
        page.click("text=Add source")
        page.wait_for_url("**/admin/sources/source/add/")
        page.fill("#id_url", base + "/")
        page.click("text=Find the feed and preview it")
        page.wait_for_selector("table.preview-items")
        assert "Ferry fares hold for the winter" in page.locator("table.preview-items").inner_text()
        assert Source.objects.filter(name="Brackwater Echo").count() == 0
        page.fill("#id_credit", "Brackwater Echo (partner)")
        page.click("input[name=save]")
        page.wait_for_url("**/change/")
        assert not violations(page), violations(page)
    source = Source.objects.get(name="Brackwater Echo")
    assert (source.feed_url, source.credit) == (base + "/feed.rss", "Brackwater Echo (partner)")


def test_an_editor_imports_and_exports_opml(site, staff, watched, tmp_path):
    opml = tmp_path / "partners.opml"
    opml.write_text('<?xml version="1.0"?><opml version="2.0"><head><title>p</title></head><body>'
                    '<outline text="Sports"><outline text="Pitchside Wire" xmlUrl="https://pitch.example/rss"/></outline>'
                    '</body></opml>')
    page = watched
    sign_in(page)
    page.goto("/admin/sources/source/")
    page.click("text=Import OPML")
    page.set_input_files("#id_file", str(opml))
    page.click("input[type=submit]")
    page.wait_for_url("**/admin/sources/source/")
    assert "1 source(s) added from 1 outline(s)" in page.locator(".messagelist").inner_text()
    assert Source.objects.get(feed_url="https://pitch.example/rss").default_section == "sports"
    with page.expect_download() as download:
        page.click("text=Export OPML")
    saved = tmp_path / "out.opml"
    download.value.save_as(saved)
    assert b'xmlUrl="https://pitch.example/rss"' in saved.read_bytes()
    assert not violations(page), violations(page)

"""The admin in headless Chromium under its Content-Security-Policy: every page type of every
registered model loads and works (its scripts run) with no policy violation, and the
moderation preview of a release full of script payloads runs none of them."""

from __future__ import annotations

import pytest

from tests.releases.test_admin_csp import admin_pages
from tests.releases.test_xss import hostile_submission
from wiredesk.releases.models import Submission

pytestmark = pytest.mark.browser

PASSWORD = "a-browser-test-password"
# Recorded by the page itself, from the first script on, whatever the page's own policy.
WATCH = """
window.__violations = [];
document.addEventListener('securitypolicyviolation', e => window.__violations.push(
    e.violatedDirective + ' ' + (e.blockedURI || 'inline') + ' ' + (e.sourceFile || '') + ':' + e.lineNumber));
"""


@pytest.fixture
def staff(site, django_user_model):
    return django_user_model.objects.create_superuser("chief", "", PASSWORD)


@pytest.fixture
def watched(new_page):
    """A page that collects CSP violations (events and console reports) and dialogs."""
    page = new_page()
    page.add_init_script(WATCH)
    page.reports = {"console": [], "dialogs": []}
    page.on("console", lambda m: "Content Security Policy" in m.text and page.reports["console"].append(m.text))
    page.on("dialog", lambda d: (page.reports["dialogs"].append(d.message), d.dismiss()))
    return page


def violations(page) -> list[str]:
    return page.evaluate("window.__violations || []") + page.reports["console"]


def sign_in(page) -> None:
    assert page.goto("/admin/login/").status == 200
    assert not violations(page)
    page.fill("#id_username", "chief")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url("**/admin/")


def test_every_admin_page_runs_under_its_policy(site, staff, watched):
    submission = hostile_submission(site)
    page = watched
    sign_in(page)
    for path in admin_pages(staff, submission):
        response = page.goto(path)
        assert response.status == 200, path
        assert "script-src 'self'" in response.headers["content-security-policy"], path
        assert not violations(page), (path, violations(page))
    # The admin's scripts do run: "select all" on a changelist ticks every row (actions.js).
    page.goto("/admin/sources/source/")
    page.click("#action-toggle")
    boxes = page.locator("input.action-select")
    assert boxes.count() > 0 and all(boxes.nth(n).is_checked() for n in range(boxes.count()))
    # ... and the calendar widget opens on a date field (DateTimeShortcuts.js builds it).
    page.goto(f"/admin/releases/submission/{submission.pk}/change/")
    page.click("#calendarlink0")
    assert page.locator("#calendarbox0").is_visible()
    page.click("#calendarbox0 .calendar-shortcuts a")  # "Today"
    assert page.input_value("#id_embargo_until_0")
    assert not violations(page), violations(page)
    assert not page.reports["dialogs"]


def test_the_moderation_preview_of_a_hostile_release_runs_nothing(site, staff, watched):
    submission = hostile_submission(site, status=Submission.Status.RECEIVED)
    page = watched
    sign_in(page)
    response = page.goto(f"/admin/releases/submission/{submission.pk}/preview/")
    assert response.status == 200
    assert "script-src 'self'" in response.headers["content-security-policy"]
    page.wait_for_load_state("load")
    assert page.locator("h1").first.inner_text().startswith("Harbour regatta")
    assert not page.reports["dialogs"]
    assert page.evaluate("document.querySelectorAll('main script, article script, [onerror], [onload]').length") == 0
    assert not violations(page), violations(page)


def test_the_lockout_page_is_under_the_policy_too(site, staff, watched, settings):
    page = watched
    settings.AXES_FAILURE_LIMIT = 2
    for _ in range(2):
        page.goto("/admin/login/")
        page.fill("#id_username", "chief")
        page.fill("#id_password", "wrong")
        page.click("input[type=submit]")
    assert "Too many failed sign-ins" in page.content()
    assert not violations(page), violations(page)

"""Every admin page carries a Content-Security-Policy that runs no inline script or style, and
none of them needs one: no inline script, style attribute or event handler in any page of any
model, the moderation pages of a release full of script payloads included.

(tests/browser/test_admin.py loads the same pages in Chromium and counts violations.)
"""

from __future__ import annotations

import lxml.html
import pytest
from django.contrib import admin
from django.test import RequestFactory
from django.urls import reverse

from tests.releases.helpers_moderation import *  # noqa: F401,F403  (the fixtures)
from tests.releases.test_xss import hostile_submission

DIRECTIVES = {
    "script-src": "'self'", "style-src": "'self'", "object-src": "'none'", "base-uri": "'none'",
    "form-action": "'self'", "frame-ancestors": "'none'",
}

# Script elements a browser never runs (HTML, 4.12.1.1 data blocks).
DATA_BLOCKS = ("application/json", "application/ld+json")


def admin_pages(user, submission=None) -> list[str]:
    """The index, and the changelist, add form and change form of every model in the admin;
    with a submission, its moderation pages too."""
    request = RequestFactory().get("/admin/")
    request.user = user
    paths = ["/admin/", "/admin/password_change/"]
    for model, model_admin in admin.site._registry.items():
        info = (model._meta.app_label, model._meta.model_name)
        paths.append(reverse("admin:%s_%s_changelist" % info))
        if model_admin.has_add_permission(request):
            paths.append(reverse("admin:%s_%s_add" % info))
        first = model._default_manager.order_by("pk").first()
        if first is not None:
            paths.append(reverse("admin:%s_%s_change" % info, args=[first.pk]))
            paths.append(reverse("admin:%s_%s_history" % info, args=[first.pk]))
    if submission is not None:
        paths += [f"/admin/releases/submission/{submission.pk}/{view}/" for view in ("approve", "decline")]
    return paths


def policy(response) -> dict[str, str]:
    header = response.get("Content-Security-Policy", "")
    return {part.split()[0]: " ".join(part.split()[1:]) for part in header.split(";") if part.strip()}


def assert_strict(response, path) -> None:
    found = policy(response)
    for directive, value in DIRECTIVES.items():
        assert found.get(directive) == value, (path, directive, found)


def inline_code(doc: str) -> list[str]:
    """Inline scripts (other than data blocks), style elements and attributes, event handlers."""
    root = lxml.html.fromstring(doc)
    found = [
        f"<script> {s.text[:60]!r}" for s in root.iter("script")
        if not s.get("src") and (s.get("type") or "text/javascript") not in DATA_BLOCKS
        and (s.text or "").strip()
    ]
    found += [f"<style> {s.text[:60]!r}" for s in root.iter("style")]
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        found += [f"{element.tag} {name}={value[:60]!r}" for name, value in element.attrib.items()
                  if name == "style" or name.lower().startswith("on")]
    return found


@pytest.fixture
def hostile(site, release_media):
    return hostile_submission(site)


def test_every_admin_page_has_the_strict_policy_and_no_inline_code(admin_client, moderator, hostile):
    for path in admin_pages(moderator, hostile):
        response = admin_client.get(path)
        assert response.status_code == 200, path
        assert_strict(response, path)
        assert not inline_code(response.content.decode()), (path, inline_code(response.content.decode()))


def test_the_moderation_preview_has_the_strict_policy(admin_client, hostile):
    path = f"/admin/releases/submission/{hostile.pk}/preview/"
    response = admin_client.get(path)
    assert response.status_code == 200
    assert_strict(response, path)
    assert not inline_code(response.content.decode())


@pytest.mark.django_db
def test_the_login_and_lockout_pages_have_the_strict_policy(client, settings):
    settings.AXES_FAILURE_LIMIT = 1
    response = client.get("/admin/login/")
    assert_strict(response, "login")
    assert not inline_code(response.content.decode())
    response = client.post("/admin/login/", {"username": "nobody", "password": "wrong"})
    assert response.status_code == 429
    assert_strict(response, "lockout")
    assert not inline_code(response.content.decode())

"""The signed links in mail: confirm, unsubscribe (RFC 8058 one-click) and preferences.

Mail scanners open links with GET and HEAD, so those never change anything; an altered,
expired or foreign token is refused with 400 and changes nothing; the token alone says whom
a page is for, even when a staff member is logged in.
"""

from __future__ import annotations

import datetime as dt
import re
import time
from urllib.parse import urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.core import signing
from django.test import Client
from django.utils import timezone

from tests.digest.test_signup import (  # noqa: F401 (fixtures)
    HOST, OTHER, Status, body_of, brand, csrf_token_in, links_https, make_subscriber, other_brand,
    post_signup,
)
from wiredesk.digest import links
from wiredesk.digest.models import Subscriber
from wiredesk.digest.tokens import CONFIRM_MAX_AGE, make_token

pytestmark = pytest.mark.django_db

INVALID = "This link is not valid or has expired"


def path(purpose: str, subscriber: Subscriber) -> str:
    return f"/newsletter/{purpose}/{make_token(purpose, subscriber.key)}/"


def altered(token: str) -> str:
    last = token[-1]
    return token[:-1] + ("A" if last != "A" else "B")


def snapshot(subscriber: Subscriber) -> dict:
    return Subscriber.objects.filter(pk=subscriber.pk).values().get()


def one_click(token_path: str, host: str = HOST, body: str = "List-Unsubscribe=One-Click"):
    """The mail provider's RFC 8058 POST: no cookies, no CSRF token, a form body."""
    provider = Client(enforce_csrf_checks=True)
    return provider.post(token_path, body, content_type="application/x-www-form-urlencoded", HTTP_HOST=host)


# --- scanners ------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["get", "head"])
def test_a_scanner_opening_the_links_changes_nothing(client, brand, method):
    pending = make_subscriber(brand, "pending@tidemail.net", Status.PENDING)
    confirmed = make_subscriber(brand, "confirmed@tidemail.net")
    before = [snapshot(pending), snapshot(confirmed)]
    for _ in range(3):
        for purpose, subscriber in (("confirm", pending), ("unsubscribe", confirmed), ("preferences", confirmed)):
            response = getattr(client, method)(path(purpose, subscriber), HTTP_HOST=HOST,
                                               HTTP_USER_AGENT="LinkScanner/2.0")
            assert response.status_code == 200, purpose
            assert "no-store" in response["Cache-Control"]
    assert [snapshot(pending), snapshot(confirmed)] == before


def test_the_unsubscribe_page_shows_a_button(client, brand):
    subscriber = make_subscriber(brand, "reader@tidemail.net")
    doc = body_of(client.get(path("unsubscribe", subscriber), HTTP_HOST=HOST))
    assert "<h1>Unsubscribe from the daily email</h1>" in doc
    assert f'<form class="button-form" action="{path("unsubscribe", subscriber)}" method="post">' in doc
    assert "<button type=\"submit\">Unsubscribe</button>" in doc


# --- altered, expired and foreign tokens -----------------------------------------------------


def _refused(response) -> None:
    assert response.status_code == 400
    doc = body_of(response)
    assert INVALID in doc and 'href="/newsletter/"' in doc and "sign up again" in doc.lower()
    assert "no-store" in response["Cache-Control"]


@pytest.mark.parametrize("purpose", ["confirm", "unsubscribe", "preferences"])
def test_altered_tokens_are_refused_and_change_nothing(brand, purpose):
    subscriber = make_subscriber(brand, "reader@tidemail.net", Status.PENDING if purpose == "confirm" else Status.CONFIRMED)
    before = snapshot(subscriber)
    token = make_token(purpose, subscriber.key)
    other_purpose = "unsubscribe" if purpose != "unsubscribe" else "confirm"
    bad_tokens = [
        altered(token),
        token.replace(subscriber.key, subscriber.key[::-1]),  # another key with this signature
        token.split(":")[0],  # the key alone, unsigned
        str(subscriber.pk),  # a row id
        make_token(other_purpose, subscriber.key),  # a real token for another purpose
        "x" * 400,
    ]
    browser = Client(enforce_csrf_checks=True)
    for bad in bad_tokens:
        url = f"/newsletter/{purpose}/{bad}/"
        _refused(browser.get(url, HTTP_HOST=HOST))
        assert browser.head(url, HTTP_HOST=HOST).status_code == 400
    # The POSTs that would change something (the test client skips CSRF: the token alone refuses them).
    for bad in bad_tokens:
        url = f"/newsletter/{purpose}/{bad}/"
        if purpose == "unsubscribe":
            _refused(one_click(url))
        _refused(Client().post(url, {"sections": ["world"], "action": "unsubscribe"}, HTTP_HOST=HOST))
    assert snapshot(subscriber) == before


def test_an_expired_confirmation_link_is_refused(brand, monkeypatch):
    subscriber = make_subscriber(brand, "late@tidemail.net", Status.PENDING)
    issued = time.time() - CONFIRM_MAX_AGE - 60
    monkeypatch.setattr(signing.time, "time", lambda: issued)
    token = make_token("confirm", subscriber.key)
    monkeypatch.undo()
    url = f"/newsletter/confirm/{token}/"
    _refused(Client().get(url, HTTP_HOST=HOST))
    _refused(Client().post(url, HTTP_HOST=HOST))
    assert Subscriber.objects.get().status == Status.PENDING

    # A link from a little earlier than the limit still works.
    nearly = time.time() - CONFIRM_MAX_AGE + 300
    monkeypatch.setattr(signing.time, "time", lambda: nearly)
    fresh = make_token("confirm", subscriber.key)
    monkeypatch.undo()
    assert Client().get(f"/newsletter/confirm/{fresh}/", HTTP_HOST=HOST).status_code == 200


def test_a_link_of_another_brands_subscriber_is_refused(brand, other_brand):
    theirs = make_subscriber(other_brand, "reader@tidemail.net", Status.PENDING)
    ours = make_subscriber(brand, "reader@tidemail.net", Status.CONFIRMED)
    before = [snapshot(theirs), snapshot(ours)]
    for purpose in ("confirm", "unsubscribe", "preferences"):
        _refused(Client().get(path(purpose, theirs), HTTP_HOST=HOST))
        _refused(Client().post(path(purpose, theirs), {"action": "unsubscribe"}, HTTP_HOST=HOST))
    _refused(one_click(path("unsubscribe", theirs), host=HOST))
    assert [snapshot(theirs), snapshot(ours)] == before
    assert Client().get(path("confirm", theirs), HTTP_HOST=OTHER).status_code == 200


@pytest.mark.parametrize("status", [Status.UNSUBSCRIBED, Status.SUPPRESSED])
def test_a_confirmation_link_does_not_bring_back_a_subscriber_who_left(brand, status):
    subscriber = make_subscriber(brand, "gone@tidemail.net", status)
    before = snapshot(subscriber)
    _refused(Client().get(path("confirm", subscriber), HTTP_HOST=HOST))
    _refused(Client().post(path("confirm", subscriber), HTTP_HOST=HOST))
    assert snapshot(subscriber) == before


# --- unsubscribe --------------------------------------------------------------------------


def test_the_rfc8058_one_click_post_unsubscribes_at_once(brand):
    subscriber = make_subscriber(brand, "reader@tidemail.net")
    url = links.unsubscribe_url(brand, subscriber.key)
    token_path = urlsplit(url).path
    response = one_click(token_path)
    assert response.status_code == 200
    assert "<h1>You are unsubscribed</h1>" in body_of(response)
    assert "csrftoken" not in response.cookies and "sessionid" not in response.cookies
    subscriber.refresh_from_db()
    assert subscriber.status == Status.UNSUBSCRIBED and subscriber.unsubscribed_via == "one-click"
    assert abs(subscriber.unsubscribed_at - timezone.now()) < dt.timedelta(minutes=1)

    # Providers retry: a second POST answers the same and keeps the first record.
    first = subscriber.unsubscribed_at
    again = one_click(token_path)
    assert again.status_code == 200 and "<h1>You are unsubscribed</h1>" in body_of(again)
    subscriber.refresh_from_db()
    assert subscriber.unsubscribed_at == first and subscriber.unsubscribed_via == "one-click"


def test_one_click_as_multipart_form_data(brand):
    subscriber = make_subscriber(brand, "reader@tidemail.net")
    provider = Client(enforce_csrf_checks=True)
    response = provider.post(path("unsubscribe", subscriber), {"List-Unsubscribe": "One-Click"}, HTTP_HOST=HOST)
    assert response.status_code == 200
    subscriber.refresh_from_db()
    assert (subscriber.status, subscriber.unsubscribed_via) == (Status.UNSUBSCRIBED, "one-click")


def test_the_pages_button_unsubscribes_a_pending_or_confirmed_subscriber(brand):
    for status in (Status.CONFIRMED, Status.PENDING):
        subscriber = make_subscriber(brand, f"{status}@tidemail.net", status)
        browser = Client(enforce_csrf_checks=True)
        page = browser.get(path("unsubscribe", subscriber), HTTP_HOST=HOST)
        assert page.status_code == 200
        response = browser.post(path("unsubscribe", subscriber), HTTP_HOST=HOST)
        assert response.status_code == 200 and "<h1>You are unsubscribed</h1>" in body_of(response)
        subscriber.refresh_from_db()
        assert (subscriber.status, subscriber.unsubscribed_via) == (Status.UNSUBSCRIBED, "page")


def test_unsubscribing_a_suppressed_address_keeps_it_suppressed(brand):
    subscriber = make_subscriber(brand, "bounced@tidemail.net", Status.SUPPRESSED, suppressed_reason="complaint")
    assert one_click(path("unsubscribe", subscriber)).status_code == 200
    subscriber.refresh_from_db()
    assert subscriber.status == Status.SUPPRESSED and subscriber.unsubscribed_at is None


# --- preferences --------------------------------------------------------------------------


def checked(doc: str) -> list[str]:
    return re.findall(r'<input type="checkbox" name="sections" value="(\w+)"[^>]* checked', doc)


def test_preferences_change_the_sections(brand):
    subscriber = make_subscriber(brand, "reader@tidemail.net", sections=["world", "business"])
    browser = Client(enforce_csrf_checks=True)
    url = path("preferences", subscriber)
    page = browser.get(url, HTTP_HOST=HOST)
    doc = body_of(page)
    assert page.status_code == 200 and checked(doc) == ["world", "business"]
    assert '<button type="submit" name="action" value="unsubscribe">Unsubscribe</button>' in doc
    token = csrf_token_in(doc)

    saved = browser.post(url, {"csrfmiddlewaretoken": token, "sections": ["sports", "local"], "action": "save"},
                         HTTP_HOST=HOST)
    assert saved.status_code == 200 and "Your sections are saved." in body_of(saved)
    assert checked(body_of(saved)) == ["sports", "local"]
    subscriber.refresh_from_db()
    assert subscriber.sections == ["sports", "local"] and subscriber.status == Status.CONFIRMED

    none = browser.post(url, {"csrfmiddlewaretoken": token, "action": "save"}, HTTP_HOST=HOST)
    assert none.status_code == 400 and "Choose at least one section." in body_of(none)
    unknown = browser.post(url, {"csrfmiddlewaretoken": token, "sections": ["astrology"], "action": "save"},
                           HTTP_HOST=HOST)
    assert unknown.status_code == 400 and "Choose sections from the list." in body_of(unknown)
    subscriber.refresh_from_db()
    assert subscriber.sections == ["sports", "local"]


def test_preferences_need_the_csrf_token(brand):
    subscriber = make_subscriber(brand, "reader@tidemail.net", sections=["world"])
    forged = Client(enforce_csrf_checks=True).post(path("preferences", subscriber), {"sections": ["sports"]},
                                                   HTTP_HOST=HOST)
    assert forged.status_code == 403
    subscriber.refresh_from_db()
    assert subscriber.sections == ["world"]


def test_preferences_unsubscribe(brand):
    subscriber = make_subscriber(brand, "reader@tidemail.net")
    browser = Client(enforce_csrf_checks=True)
    url = path("preferences", subscriber)
    token = csrf_token_in(body_of(browser.get(url, HTTP_HOST=HOST)))
    response = browser.post(url, {"csrfmiddlewaretoken": token, "action": "unsubscribe"}, HTTP_HOST=HOST)
    assert response.status_code == 200 and "<h1>You are unsubscribed</h1>" in body_of(response)
    subscriber.refresh_from_db()
    assert (subscriber.status, subscriber.unsubscribed_via) == (Status.UNSUBSCRIBED, "preferences")

    # Afterwards the page says so and changes nothing.
    later = browser.get(url, HTTP_HOST=HOST)
    assert later.status_code == 200 and "does not receive" in body_of(later) and not checked(body_of(later))
    again = browser.post(url, {"csrfmiddlewaretoken": token, "sections": ["sports"], "action": "save"}, HTTP_HOST=HOST)
    assert again.status_code == 200 and "does not receive" in body_of(again)
    subscriber.refresh_from_db()
    assert subscriber.status == Status.UNSUBSCRIBED and subscriber.sections == ["world", "business"]


def test_a_logged_in_staff_member_acts_for_the_subscriber_in_the_link(brand):
    staff = get_user_model().objects.create_user("editor", "editor@tidemail.net", "pw", is_staff=True, is_superuser=True)
    own = make_subscriber(brand, "editor@tidemail.net", sections=["technology"])
    reader = make_subscriber(brand, "reader@tidemail.net", sections=["world"])
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(staff)

    url = path("preferences", reader)
    page = browser.get(url, HTTP_HOST=HOST)
    assert page.status_code == 200 and checked(body_of(page)) == ["world"]
    token = csrf_token_in(body_of(page))
    browser.post(url, {"csrfmiddlewaretoken": token, "sections": ["sports"], "action": "save"}, HTTP_HOST=HOST)
    reader.refresh_from_db()
    own.refresh_from_db()
    assert reader.sections == ["sports"] and own.sections == ["technology"]

    browser.post(path("unsubscribe", reader), HTTP_HOST=HOST)
    reader.refresh_from_db()
    own.refresh_from_db()
    assert reader.status == Status.UNSUBSCRIBED and own.status == Status.CONFIRMED
    assert own.unsubscribed_at is None


def test_links_in_mail_work_end_to_end(client, brand, post_signup, mail_sink):
    """The preferences link of the 'already subscribed' mail leads to a working page."""
    subscriber = make_subscriber(brand, "known@tidemail.net", sections=["world"])
    post_signup(client, "known@tidemail.net")
    text = mail_sink.messages[0].message.get_body(("plain",)).get_content()
    url = re.search(r"https://harbour\.test(/newsletter/preferences/[^/\s]+/)", text)[1]
    browser = Client(enforce_csrf_checks=True)
    token = csrf_token_in(body_of(browser.get(url, HTTP_HOST=HOST)))
    browser.post(url, {"csrfmiddlewaretoken": token, "sections": ["business", "photo"]}, HTTP_HOST=HOST)
    subscriber.refresh_from_db()
    assert subscriber.sections == ["business", "photo"]

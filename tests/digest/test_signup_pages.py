"""The daily email's reader pages and sign-up mails are valid, escaped and under the strict CSP."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.digest.test_signup import (  # noqa: F401 (fixtures)
    HOST, Status, aged_stamp, body_of, brand, links_https, make_subscriber, next_ip, parts, post_signup,
)
from tests.forms import clear_of_window_edge
from tests.web.factories import make_brand
from tests.web.test_html_valid import _vnu_errors
from tests.web.test_security import ESCAPED, PAYLOAD, assert_safe_markup, assert_security_headers
from wiredesk.digest.forms import stamp_make
from wiredesk.digest.services import subscriptions
from wiredesk.digest.tokens import make_token

pytestmark = pytest.mark.django_db


def _every_page(client, brand) -> dict[str, object]:
    """One response of each page type and state, by name."""
    pending = make_subscriber(brand, "pending@tidemail.net", Status.PENDING)
    confirmed = make_subscriber(brand, "confirmed@tidemail.net", sections=["world", "photo"])
    left = make_subscriber(brand, "left@tidemail.net", Status.UNSUBSCRIBED)

    def post(data, ip=None):
        return client.post("/newsletter/", data, HTTP_HOST=HOST, REMOTE_ADDR=ip or next_ip())

    pages = {
        "signup": client.get("/newsletter/", HTTP_HOST=HOST),
        "signup-prefilled": client.get("/newsletter/?email=reader%40example.com", HTTP_HOST=HOST),
        "signup-errors": post({"email": "nope", "stamp": aged_stamp()}),
        "signup-trapped": post({"email": "reader@tidemail.net", "sections": ["world"], "stamp": ""}),
        "signup-done": post({"email": "reader@tidemail.net", "sections": ["world"], "stamp": aged_stamp()}),
    }
    clear_of_window_edge(*subscriptions.SIGNUP_LIMITS)
    for _ in range(5):
        post({"email": "x"}, ip="203.0.113.200")
    pages["signup-429"] = post({"email": "x"}, ip="203.0.113.200")
    for purpose, who, state in (("confirm", pending, ""), ("unsubscribe", confirmed, ""), ("preferences", confirmed, ""),
                                ("preferences", left, "-unsubscribed")):
        url = f"/newsletter/{purpose}/{make_token(purpose, who.key)}/"
        pages[f"{purpose}{state}"] = client.get(url, HTTP_HOST=HOST)
        pages[f"{purpose}{state}-invalid"] = client.get(url[:-3] + "zz/", HTTP_HOST=HOST)
    prefs = f"/newsletter/preferences/{make_token('preferences', confirmed.key)}/"
    pages["preferences-saved"] = client.post(prefs, {"sections": ["local"], "action": "save"}, HTTP_HOST=HOST)
    pages["preferences-error"] = client.post(prefs, {"action": "save"}, HTTP_HOST=HOST)
    pages["confirmed"] = client.post(f"/newsletter/confirm/{make_token('confirm', pending.key)}/", HTTP_HOST=HOST)
    pages["unsubscribed"] = client.post(f"/newsletter/unsubscribe/{make_token('unsubscribe', confirmed.key)}/",
                                        HTTP_HOST=HOST)
    return pages


EXPECTED = {
    "signup": 200, "signup-prefilled": 200, "signup-errors": 400, "signup-trapped": 400, "signup-done": 200,
    "signup-429": 429, "confirm": 200, "confirm-invalid": 400, "unsubscribe": 200, "unsubscribe-invalid": 400,
    "preferences": 200, "preferences-invalid": 400, "preferences-unsubscribed": 200,
    "preferences-unsubscribed-invalid": 400, "preferences-saved": 200, "preferences-error": 400, "confirmed": 200,
    "unsubscribed": 200,
}


def test_every_page_is_valid_html(client, brand, tmp_path):
    pages = _every_page(client, brand)
    assert {name: r.status_code for name, r in pages.items()} == EXPECTED
    files = []
    for name, response in pages.items():
        assert response["Content-Type"].startswith("text/html"), name
        file = tmp_path / f"{name}.html"
        file.write_bytes(response.content)
        files.append(file)
    assert _vnu_errors(files) == []


def test_every_page_escapes_the_brand_and_keeps_the_security_headers(client):
    brand = make_brand(PAYLOAD, [HOST], tagline=PAYLOAD)
    for name, response in _every_page(client, brand).items():
        doc = body_of(response)
        assert_safe_markup(doc, name)
        assert_security_headers(response, name)
        assert ESCAPED in doc, name
        assert "private" in response["Cache-Control"] and "no-store" in response["Cache-Control"], name


def test_the_mails_escape_the_brand_name(brand, post_signup, mail_sink):
    brand.name = PAYLOAD
    brand.save()
    post_signup(Client(), "reader@tidemail.net")
    make_subscriber(brand, "known@tidemail.net")
    post_signup(Client(), "known@tidemail.net")
    assert len(mail_sink.messages) == 2
    for received in mail_sink.messages:
        text, html_part = parts(received)
        assert PAYLOAD in text  # plain text is not HTML: shown as typed
        assert ESCAPED in html_part and "<script>" not in html_part
        assert PAYLOAD in received.message["Subject"] and "\n" not in received.message["Subject"]


def test_a_stamp_survives_only_its_own_signature():
    from django.utils import timezone

    from wiredesk.digest.forms import stamp_age

    now = timezone.now()
    stamp = stamp_make(now)
    assert stamp_age(stamp, now) == pytest.approx(0, abs=0.01)
    value, signature = stamp.rsplit(":", 1)
    assert stamp_age(f"{float(value) - 3600}:{signature}", now) is None  # backdated by hand
    assert stamp_age("not a stamp", now) is None and stamp_age("", now) is None

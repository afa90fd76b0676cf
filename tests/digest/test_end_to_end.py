"""A reader's whole path through the real SMTP server: sign up, confirm, receive the edition,
read a story from it, change sections through its preferences link, then leave with the
RFC 8058 one-click POST that a mail provider sends."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.utils import timezone

from tests.digest.helpers import brand_with_news
from tests.digest.test_signup import (  # noqa: F401  (fixtures)
    confirm_by_button, csrf_token_in, follow, link_in, links_https, post_signup,
)
from wiredesk.digest.models import Delivery, Subscriber
from wiredesk.digest.services import editions, sending

pytestmark = pytest.mark.django_db


def test_sign_up_confirm_receive_change_sections_and_leave_with_one_click(client, post_signup, mail_sink):
    brand = brand_with_news("Harbour Herald", "harbour.test")
    address = "mara.quill@tidemail.net"

    assert post_signup(client, address, sections=("world", "business")).status_code == 200
    (confirmation,) = mail_sink.to(address)
    confirm_link = link_in(confirmation.message.get_body(("plain",)).get_content(), "confirm")
    # Pending addresses get nothing: an edition opened now has no delivery for them.
    assert Subscriber.objects.get(email=address).status == Subscriber.Status.PENDING
    assert confirm_by_button(confirm_link).status_code == 200
    reader = Subscriber.objects.get(email=address)
    assert reader.status == Subscriber.Status.CONFIRMED and reader.confirmed_ip == "192.0.2.44"

    mail_sink.clear()
    edition, created = editions.edition_open(brand=brand, date=timezone.localdate(), now=timezone.now())
    assert created
    report = sending.edition_send(edition_id=edition.pk)
    assert report.sent == 1
    (received,) = mail_sink.to(address)
    msg = received.message
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    https_unsubscribe, mailto = re.findall(r"<([^>]+)>", str(msg["List-Unsubscribe"]))
    assert https_unsubscribe.startswith("https://harbour.test/newsletter/unsubscribe/")
    assert mailto.startswith("mailto:")
    text = msg.get_body(("plain",)).get_content()
    html = msg.get_body(("html",)).get_content()
    assert "Sports story" not in text  # not one of the reader's sections

    # A story link in the email opens the brand's article page.
    story_url = re.search(r"https://harbour\.test/story/[^\s\"<]+/", text)[0]
    page = follow(client, story_url)
    assert page.status_code == 200 and "World story number" in page.content.decode()

    # The preferences link (in both parts) changes sections, with the page's CSRF token.
    preferences = link_in(text, "preferences")
    assert preferences in html
    browser = Client(enforce_csrf_checks=True)
    form = follow(browser, preferences)
    assert form.status_code == 200
    saved = follow(browser, preferences, "post", data={
        "csrfmiddlewaretoken": csrf_token_in(form.content.decode()), "sections": ["sports"], "action": "save",
    })
    assert saved.status_code in (200, 302)
    reader.refresh_from_db()
    assert reader.sections == ["sports"] and reader.status == Subscriber.Status.CONFIRMED

    # A mail scanner opening the unsubscribe link changes nothing ...
    scanner = Client(enforce_csrf_checks=True)
    assert follow(scanner, https_unsubscribe).status_code == 200
    assert follow(scanner, https_unsubscribe, "head").status_code == 200
    reader.refresh_from_db()
    assert reader.status == Subscriber.Status.CONFIRMED
    # ... the provider's one-click POST (no cookies, no CSRF token) unsubscribes at once.
    provider = Client(enforce_csrf_checks=True)
    url = urlsplit(https_unsubscribe)
    done = provider.post(url.path, data="List-Unsubscribe=One-Click",
                         content_type="application/x-www-form-urlencoded", HTTP_HOST=url.hostname)
    assert done.status_code == 200
    reader.refresh_from_db()
    assert reader.status == Subscriber.Status.UNSUBSCRIBED and reader.unsubscribed_via == "one-click"
    assert Delivery.objects.get(subscriber=reader).state == Delivery.State.SENT

"""Bounces, complaints and mailed unsubscribes, posted as the provider posts them.

Tracking events are Mailgun's JSON webhooks and inbound mail is Mailgun's routed-message
form, each signed with HMAC-SHA256 and sent with the shared basic-auth secret, through
anymail's real webhook views to the receivers in ``wiredesk.digest.webhooks``.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import logging
import secrets

import pytest

from tests.web.factories import make_brand
from wiredesk.digest.models import Delivery, Edition, MailEvent, Subscriber
from wiredesk.digest.services import suppression
from wiredesk.digest.tokens import make_token

pytestmark = pytest.mark.django_db

UTC = dt.timezone.utc
SIGNING_KEY = "key-test-3c1d9f0e"
AUTH = "Basic " + base64.b64encode(b"hooks:s3cret-pass").decode()
DAY0 = dt.datetime(2026, 3, 2, 6, 5, tzinfo=UTC)
PERMANENT = "550 5.1.1 The email account that you tried to reach does not exist."
MAILBOX_FULL = "452 4.2.2 The email account that you tried to reach is over quota."


@pytest.fixture(autouse=True)
def anymail_settings(settings):
    settings.ANYMAIL = {"MAILGUN_WEBHOOK_SIGNING_KEY": SIGNING_KEY, "WEBHOOK_SECRET": "hooks:s3cret-pass"}
    settings.DIGEST = {**settings.DIGEST, "unsubscribe_mailto": ""}


@pytest.fixture
def world():
    harbour = make_brand("Harbour Herald", ["harbour.example", "www.harbour.example"])
    bay = make_brand("Bay Courier", ["bay.example"])
    confirmed = {"status": Subscriber.Status.CONFIRMED, "confirmed_at": DAY0 - dt.timedelta(days=30)}
    alice = Subscriber.objects.create(brand=harbour, email="alice@example.org", **confirmed)
    alice_bay = Subscriber.objects.create(brand=bay, email="alice@example.org", **confirmed)
    bob = Subscriber.objects.create(brand=harbour, email="bob@example.org", **confirmed)
    edition = Edition.objects.create(
        brand=harbour, date=DAY0.date(), since=DAY0 - dt.timedelta(days=1), cutoff=DAY0,
        subject="Harbour Herald daily: 2 Mar 2026",
    )
    deliveries = {
        s.email: Delivery.objects.create(edition=edition, subscriber=s, state=Delivery.State.SENT, sent_at=DAY0)
        for s in (alice, bob)
    }
    return {
        "harbour": harbour, "bay": bay, "alice": alice, "alice_bay": alice_bay, "bob": bob,
        "edition": edition, "deliveries": deliveries,
    }


def digest_id(delivery: Delivery, host: str = "harbour.example") -> str:
    # As Mailgun reports it: the header's value without its angle brackets.
    return f"digest.{delivery.edition_id}.{delivery.pk}@{host}"


def sign(timestamp: str, token: str, key: str = SIGNING_KEY) -> str:
    return hmac.new(key.encode(), f"{timestamp}{token}".encode(), hashlib.sha256).hexdigest()


def _message(recipient: str, message_id: str) -> dict:
    return {
        "headers": {
            "to": recipient, "message-id": message_id, "from": "Harbour Herald <news@harbour.example>",
            "subject": "Harbour Herald daily: 2 Mar 2026",
        },
        "attachments": [], "size": 18234,
    }


def failed(recipient: str, message_id: str, *, when: dt.datetime, severity: str = "permanent",
           reply: str = PERMANENT) -> dict:
    """Mailgun's "failed" event: permanent (a bounce) or temporary (anymail: deferred)."""
    return {
        "event": "failed", "id": secrets.token_urlsafe(16), "timestamp": when.timestamp(),
        "log-level": "error" if severity == "permanent" else "warn", "severity": severity,
        "reason": "bounce" if severity == "permanent" else "generic",
        "recipient": recipient, "recipient-domain": recipient.split("@")[1],
        "envelope": {"transport": "smtp", "sender": "bounce@mg.harbour.example", "sending-ip": "198.51.100.7",
                     "targets": recipient},
        "message": _message(recipient, message_id),
        "delivery-status": {"attempt-no": 1, "message": reply, "code": int(reply[:3]), "description": "",
                            "session-seconds": 0.8, "mx-host": "mx.example.org", "tls": True},
        "flags": {"is-routed": False, "is-authenticated": True, "is-system-test": False, "is-test-mode": False},
        "tags": ["digest"], "user-variables": {}, "campaigns": [],
    }


def complained(recipient: str, message_id: str, *, when: dt.datetime) -> dict:
    return {
        "event": "complained", "id": secrets.token_urlsafe(16), "timestamp": when.timestamp(), "log-level": "warn",
        "recipient": recipient, "envelope": {"sending-ip": "198.51.100.7"},
        "message": _message(recipient, message_id), "flags": {"is-test-mode": False},
        "tags": [], "user-variables": {}, "campaigns": [],
    }


def simple(event: str, recipient: str, message_id: str, *, when: dt.datetime) -> dict:
    return {
        "event": event, "id": secrets.token_urlsafe(16), "timestamp": when.timestamp(), "log-level": "info",
        "recipient": recipient, "message": _message(recipient, message_id), "tags": [], "user-variables": {},
    }


def post_tracking(client, event_data: dict, *, token: str | None = None, key: str = SIGNING_KEY,
                  auth: str | None = AUTH):
    token = token or secrets.token_hex(25)
    timestamp = str(int(event_data["timestamp"]))
    body = {"signature": {"timestamp": timestamp, "token": token, "signature": sign(timestamp, token, key)},
            "event-data": event_data}
    extra = {"HTTP_AUTHORIZATION": auth} if auth else {}
    return client.post("/anymail/mailgun/tracking/", json.dumps(body), content_type="application/json", **extra)


def states(*subscribers: Subscriber) -> list[str]:
    return [Subscriber.objects.get(pk=s.pk).status for s in subscribers]


# --- Pure parts ----------------------------------------------------------------------------

@pytest.mark.parametrize(("value", "expected"), [
    ("<digest.12.345@harbour.example>", (12, 345, "harbour.example")),
    ("  <digest.1.2@Harbour.Example>\n", (1, 2, "harbour.example")),
    ("digest.12.345@harbour.example", None),  # anymail always adds the brackets
    ("<digest.12.345@harbour.example>x", None),
    ("<digest.0.345@harbour.example>", None),
    ("<digest.12@harbour.example>", None),
    ("<digest.12.3a@harbour.example>", None),
    ("<confirm.12.345@harbour.example>", None),
    ("<digest.12.345@harbour.example@evil.example>", None),
    ("<20260302060501.1.A1B2@mg.harbour.example>", None),
    ("", None),
    (None, None),
])
def test_parse_message_id_is_strict(value, expected):
    assert suppression.message_id_parse(message_id=value) == expected


@pytest.mark.parametrize(("event_type", "reply", "kind"), [
    ("bounced", PERMANENT, "hard-bounce"),
    ("bounced", None, "hard-bounce"),
    ("bounced", "421 4.7.0 Try again later", "soft-bounce"),
    ("bounced", "4.2.2 mailbox full", "soft-bounce"),
    ("bounced", "5.4.1 Recipient address rejected", "hard-bounce"),
    ("bounced", "4000 is not a reply code", "hard-bounce"),
    ("deferred", MAILBOX_FULL, "soft-bounce"),
    ("complained", None, "complaint"),
    ("delivered", None, None),
    ("opened", None, None),
    ("rejected", None, None),
    ("unsubscribed", None, None),
])
def test_bounce_kind(event_type, reply, kind):
    assert suppression.bounce_kind(event_type=event_type, mta_response=reply) == kind


def test_soft_limit_counts_days_within_the_window():
    at = [DAY0 + dt.timedelta(days=d) for d in (0, 7, 14)]
    assert suppression.soft_limit_reached(times=at)
    assert not suppression.soft_limit_reached(times=[DAY0 + dt.timedelta(days=d) for d in (0, 8, 16)])
    assert not suppression.soft_limit_reached(times=[DAY0 + dt.timedelta(hours=h) for h in (0, 2, 5, 9)])
    assert suppression.soft_limit_reached(times=[DAY0 + dt.timedelta(days=d) for d in (0, 20, 27, 30)])


# --- Tracking webhooks ---------------------------------------------------------------------

def test_hard_bounce_suppresses_the_mailbox_at_once(client, world):
    delivery = world["deliveries"]["alice@example.org"]
    response = post_tracking(client, failed("alice@example.org", digest_id(delivery), when=DAY0))
    assert response.status_code == 200
    event = MailEvent.objects.get()
    assert (event.kind, event.esp) == ("hard-bounce", "Mailgun")
    assert (event.delivery, event.subscriber) == (delivery, world["alice"])
    assert event.occurred_at == DAY0
    alice = Subscriber.objects.get(pk=world["alice"].pk)
    assert (alice.status, alice.suppressed_reason) == ("suppressed", "hard-bounce")
    assert alice.suppressed_at is not None
    # The mailbox is gone for every brand; other people are untouched.
    assert states(world["alice_bay"], world["bob"]) == ["suppressed", "confirmed"]


def test_any_of_the_brands_hosts_identifies_the_delivery(client, world):
    delivery = world["deliveries"]["bob@example.org"]
    post_tracking(client, failed("bob@example.org", digest_id(delivery, "WWW.harbour.example"), when=DAY0))
    assert MailEvent.objects.get().delivery == delivery
    assert states(world["bob"]) == ["suppressed"]


@pytest.mark.parametrize("foreign", ["host", "edition", "delivery", "other-format"])
def test_foreign_message_ids_fall_back_to_the_recipient(client, world, foreign):
    delivery = world["deliveries"]["alice@example.org"]
    message_id = {
        "host": digest_id(delivery, "bay.example"),
        "edition": f"digest.{delivery.edition_id + 100}.{delivery.pk}@harbour.example",
        "delivery": digest_id(world["deliveries"]["bob@example.org"]).replace(
            f".{world['deliveries']['bob@example.org'].pk}@", f".{delivery.pk + 1000}@"),
        "other-format": "20260302060501.7f3a@mg.harbour.example",
    }[foreign]
    # The address as the provider spells it, in any case.
    assert post_tracking(client, failed("Alice@Example.org", message_id, when=DAY0)).status_code == 200
    event = MailEvent.objects.get()
    assert event.delivery is None and event.subscriber == world["alice"]
    assert states(world["alice"], world["alice_bay"], world["bob"]) == ["suppressed", "suppressed", "confirmed"]


def test_bounced_confirmation_email_suppresses_every_row_of_the_address(client, world):
    pending = [
        Subscriber.objects.create(brand=brand, email="carol@example.net") for brand in (world["harbour"], world["bay"])
    ]
    post_tracking(client, failed("carol@example.net", "<17409.1234.5678@harbour.example>", when=DAY0))
    assert states(*pending) == ["suppressed", "suppressed"]


def test_soft_bounces_suppress_on_the_third_day_within_15_days(client, world):
    delivery = world["deliveries"]["alice@example.org"]
    for day in (0, 6):
        post_tracking(client, failed("alice@example.org", digest_id(delivery), severity="temporary",
                                     reply=MAILBOX_FULL, when=DAY0 + dt.timedelta(days=day)))
        assert states(world["alice"]) == ["confirmed"]
    post_tracking(client, failed("alice@example.org", digest_id(delivery), severity="temporary", reply=MAILBOX_FULL,
                                 when=DAY0 + dt.timedelta(days=12)))
    assert list(MailEvent.objects.values_list("kind", flat=True)) == ["soft-bounce"] * 3
    alice = Subscriber.objects.get(pk=world["alice"].pk)
    assert (alice.status, alice.suppressed_reason) == ("suppressed", "soft-bounce")
    assert states(world["alice_bay"], world["bob"]) == ["suppressed", "confirmed"]


def test_soft_bounces_spread_over_more_than_15_days_do_not_suppress(client, world):
    delivery = world["deliveries"]["alice@example.org"]
    for day in (0, 8, 16, 24):
        post_tracking(client, failed("alice@example.org", digest_id(delivery), severity="temporary",
                                     reply=MAILBOX_FULL, when=DAY0 + dt.timedelta(days=day)))
    assert MailEvent.objects.count() == 4
    assert states(world["alice"], world["alice_bay"]) == ["confirmed", "confirmed"]
    # An event that arrives late can still complete a window: days 0, 4 and 8.
    post_tracking(client, failed("alice@example.org", digest_id(delivery), severity="temporary",
                                 reply=MAILBOX_FULL, when=DAY0 + dt.timedelta(days=4)))
    assert states(world["alice"]) == ["suppressed"]


def test_retries_of_one_temporary_failure_count_as_one_day(client, world):
    delivery = world["deliveries"]["alice@example.org"]
    for hours in (0, 1, 3, 7):
        post_tracking(client, failed("alice@example.org", digest_id(delivery), severity="temporary",
                                     reply=MAILBOX_FULL, when=DAY0 + dt.timedelta(hours=hours)))
    assert MailEvent.objects.count() == 4
    assert states(world["alice"]) == ["confirmed"]


def test_permanent_failure_with_a_4xx_reply_is_a_soft_bounce(client, world):
    delivery = world["deliveries"]["bob@example.org"]
    post_tracking(client, failed("bob@example.org", digest_id(delivery), reply="421 4.7.0 Try again later",
                                 when=DAY0))
    assert MailEvent.objects.get().kind == "soft-bounce"
    assert states(world["bob"]) == ["confirmed"]


def test_complaint_suppresses_at_once(client, world):
    delivery = world["deliveries"]["bob@example.org"]
    assert post_tracking(client, complained("bob@example.org", digest_id(delivery), when=DAY0)).status_code == 200
    event = MailEvent.objects.get()
    assert (event.kind, event.delivery, event.subscriber) == ("complaint", delivery, world["bob"])
    bob = Subscriber.objects.get(pk=world["bob"].pk)
    assert (bob.status, bob.suppressed_reason) == ("suppressed", "complaint")
    assert states(world["alice"]) == ["confirmed"]


def test_the_same_event_delivered_twice_counts_once(client, world):
    delivery = world["deliveries"]["alice@example.org"]
    token = secrets.token_hex(25)
    for _ in range(2):
        event = failed("alice@example.org", digest_id(delivery), severity="temporary", reply=MAILBOX_FULL, when=DAY0)
        assert post_tracking(client, event, token=token).status_code == 200
    assert MailEvent.objects.count() == 1
    hard = failed("bob@example.org", digest_id(world["deliveries"]["bob@example.org"]), when=DAY0)
    for _ in range(3):
        assert post_tracking(client, hard, token="same-token-each-time").status_code == 200
    assert MailEvent.objects.filter(kind="hard-bounce").count() == 1


@pytest.mark.parametrize("fault", ["wrong key", "no basic auth", "wrong basic auth", "altered signature"])
def test_unsigned_or_unauthenticated_webhooks_are_refused(client, world, fault):
    delivery = world["deliveries"]["alice@example.org"]
    event = failed("alice@example.org", digest_id(delivery), when=DAY0)
    if fault == "altered signature":
        token = secrets.token_hex(25)
        ts = str(int(event["timestamp"]))
        good = sign(ts, token)
        # One character changed (always a different one: a random signature may end in "0").
        body = {"signature": {"timestamp": ts, "token": token, "signature": good[:-1] + ("1" if good[-1] == "0" else "0")},
                "event-data": event}
        response = client.post("/anymail/mailgun/tracking/", json.dumps(body), content_type="application/json",
                               HTTP_AUTHORIZATION=AUTH)
    else:
        response = post_tracking(
            client, event, key="another-key" if fault == "wrong key" else SIGNING_KEY,
            auth={"no basic auth": None, "wrong basic auth": "Basic " + base64.b64encode(b"hooks:guess").decode()}.get(
                fault, AUTH),
        )
    assert response.status_code == 400
    assert MailEvent.objects.count() == 0
    assert states(world["alice"], world["alice_bay"]) == ["confirmed", "confirmed"]


@pytest.mark.parametrize("event_type", ["delivered", "opened", "clicked", "unsubscribed", "accepted"])
def test_other_event_types_are_ignored(client, world, event_type):
    delivery = world["deliveries"]["alice@example.org"]
    event = simple(event_type, "alice@example.org", digest_id(delivery), when=DAY0)
    assert post_tracking(client, event).status_code == 200
    assert MailEvent.objects.count() == 0
    assert states(world["alice"]) == ["confirmed"]


def test_bounce_for_an_unknown_address_is_ignored(client, world):
    response = post_tracking(client, failed("nobody@example.com", "<x.1@elsewhere.example>", when=DAY0))
    assert response.status_code == 200
    assert MailEvent.objects.count() == 0
    assert Subscriber.objects.filter(status="suppressed").count() == 0


def test_bounce_of_an_erased_subscriber_still_counts_for_the_edition(client, world):
    delivery = world["deliveries"]["bob@example.org"]
    world["bob"].delete()
    post_tracking(client, failed("bob@example.org", digest_id(delivery), when=DAY0))
    event = MailEvent.objects.get()
    assert (event.delivery, event.subscriber) == (delivery, None)


@pytest.fixture
def wiredesk_logs(caplog):
    # The project's logger does not propagate to the root, where caplog listens.
    logger = logging.getLogger("wiredesk")
    logger.addHandler(caplog.handler)
    caplog.handler.setLevel(logging.DEBUG)
    old_level = logger.level
    logger.setLevel(logging.DEBUG)
    yield caplog
    logger.setLevel(old_level)
    logger.removeHandler(caplog.handler)


def test_logs_carry_ids_never_addresses(client, world, wiredesk_logs):
    alice = world["deliveries"]["alice@example.org"]
    post_tracking(client, failed("alice@example.org", digest_id(alice), when=DAY0))
    post_tracking(client, failed("bob@example.org", "<other@x.example>", severity="temporary", reply=MAILBOX_FULL,
                                 when=DAY0))
    post_tracking(client, failed("nobody@example.com", "<other@x.example>", when=DAY0))
    token = make_token("unsubscribe", world["bob"].key)
    post_inbound(client, to="unsubscribe@harbour.example", subject=f"unsubscribe {token}")
    text = "\n".join(r.getMessage() for r in wiredesk_logs.records)
    assert f"subscriber_id={world['alice'].pk}" in text and "mailto" in text
    assert "@example" not in text


# --- Inbound: the List-Unsubscribe mailto: --------------------------------------------------

def post_inbound(client, *, to: str, subject: str, sender: str = "bob@example.org", key: str = SIGNING_KEY,
                 auth: str | None = AUTH, mime: bool = False):
    """Mailgun's route forward(): the parsed message as form fields, or raw MIME on ``_mime`` URLs."""
    token, ts = secrets.token_hex(25), "1772431500"
    headers = [
        ["Received", "from mail.example.org by mxa.mailgun.org with ESMTPS"],
        ["From", f"Bob <{sender}>"], ["To", to], ["Subject", subject],
        ["Date", "Mon, 02 Mar 2026 06:25:00 +0000"], ["Message-Id", "<CAF1x2y3@mail.example.org>"],
        ["Mime-Version", "1.0"], ["Content-Type", 'text/plain; charset="UTF-8"'],
    ]
    fields = {
        "recipient": to, "sender": sender, "from": f"Bob <{sender}>", "subject": subject,
        "body-plain": "This message will unsubscribe you.\r\n", "stripped-text": "This message will unsubscribe you.",
        "stripped-signature": "", "timestamp": ts, "token": token, "signature": sign(ts, token, key),
    }
    if mime:
        raw = "".join(f"{name}: {value}\r\n" for name, value in headers) + "\r\nThis message will unsubscribe you.\r\n"
        fields["body-mime"] = raw
        url = "/anymail/mailgun/inbound_mime/"
    else:
        fields["message-headers"] = json.dumps(headers)
        url = "/anymail/mailgun/inbound/"
    extra = {"HTTP_AUTHORIZATION": auth} if auth else {}
    return client.post(url, fields, **extra)


@pytest.mark.parametrize("mime", [False, True], ids=["parsed", "raw-mime"])
def test_mail_to_the_unsubscribe_address_unsubscribes(client, world, mime):
    token = make_token("unsubscribe", world["bob"].key)
    response = post_inbound(client, to="unsubscribe@harbour.example", subject=f"unsubscribe {token}", mime=mime)
    assert response.status_code == 200
    bob = Subscriber.objects.get(pk=world["bob"].pk)
    assert (bob.status, bob.unsubscribed_via) == ("unsubscribed", "mailto")
    assert bob.unsubscribed_at is not None
    assert states(world["alice"]) == ["confirmed"]
    # Sent again (the provider retried): nothing changes.
    post_inbound(client, to="unsubscribe@harbour.example", subject=f"unsubscribe {token}", mime=mime)
    assert Subscriber.objects.get(pk=bob.pk).unsubscribed_at == bob.unsubscribed_at


def test_the_configured_unsubscribe_address_is_the_one_that_counts(client, world, settings):
    settings.DIGEST = {**settings.DIGEST, "unsubscribe_mailto": "leave@mail.example.net"}
    token = make_token("unsubscribe", world["bob"].key)
    post_inbound(client, to="unsubscribe@harbour.example", subject=f"unsubscribe {token}")
    assert states(world["bob"]) == ["confirmed"]
    post_inbound(client, to="Leave@Mail.Example.net", subject=f"unsubscribe {token}")
    assert states(world["bob"]) == ["unsubscribed"]


def _altered(token: str) -> str:
    return token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")


@pytest.mark.parametrize("case", ["altered token", "confirm token", "other brand address", "other subject",
                                  "bad signature", "no basic auth"])
def test_other_mail_changes_nothing(client, world, case):
    key = world["bob"].key
    token = make_token("unsubscribe", key)
    to, subject = "unsubscribe@harbour.example", f"unsubscribe {token}"
    kwargs = {}
    if case == "altered token":
        subject = f"unsubscribe {_altered(token)}"
    elif case == "confirm token":
        subject = f"unsubscribe {make_token('confirm', key)}"
    elif case == "other brand address":
        to = "unsubscribe@bay.example"
    elif case == "other subject":
        subject = f"Re: unsubscribe {token} please"
    elif case == "bad signature":
        kwargs["key"] = "another-key"
    else:
        kwargs["auth"] = None
    response = post_inbound(client, to=to, subject=subject, **kwargs)
    assert response.status_code == (400 if case in ("bad signature", "no basic auth") else 200)
    bob = Subscriber.objects.get(pk=world["bob"].pk)
    assert (bob.status, bob.unsubscribed_at, bob.unsubscribed_via) == ("confirmed", None, "")


def test_mailed_unsubscribe_leaves_a_suppressed_address_suppressed(client, world):
    Subscriber.objects.filter(pk=world["bob"].pk).update(status=Subscriber.Status.SUPPRESSED)
    token = make_token("unsubscribe", world["bob"].key)
    post_inbound(client, to="unsubscribe@harbour.example", subject=f"unsubscribe {token}")
    assert states(world["bob"]) == ["suppressed"]


def test_webhooks_are_closed_until_a_shared_secret_is_configured(client, settings):
    # Some providers sign nothing: without WEBHOOK_SECRET anyone could post a fake bounce.
    from wiredesk.digest.models import MailEvent

    settings.ANYMAIL = {}
    fake = {"RecordType": "Bounce", "Type": "HardBounce", "Email": "victim@mail.test", "ID": 1}
    response = client.post("/anymail/postmark/tracking/", json.dumps(fake), content_type="application/json")
    assert response.status_code == 404
    assert not MailEvent.objects.exists()

"""DKIM on the daily email and on the other mail, verified as a receiving server would (N4).

A 2048-bit RSA key made for the test (openssl), the digest sent to a real SMTP server
(aiosmtpd), and every message received checked with dkimpy against the public key, as a
mailbox provider checks it against DNS: the signature verifies, names the From domain (DMARC
alignment), covers both List-Unsubscribe headers (RFC 8058), and breaks when one is altered.
"""

from __future__ import annotations

import base64
import re
import shutil
import subprocess

import dkim
import pytest

from tests.digest.helpers import brand_with_news, subscribe
from wiredesk.digest.models import Delivery
from wiredesk.digest.services import editions, sending
from django.utils import timezone

pytestmark = pytest.mark.django_db


@pytest.fixture
def dkim_key(tmp_path, settings):
    if shutil.which("openssl") is None:
        pytest.skip("no openssl to make a key with")
    key = tmp_path / "dkim.pem"
    subprocess.run(["openssl", "genrsa", "-out", str(key), "2048"], check=True, capture_output=True)
    public = subprocess.run(["openssl", "rsa", "-in", str(key), "-pubout", "-outform", "DER"], check=True,
                            capture_output=True).stdout
    settings.DKIM = {"key_file": str(key), "selector": "mail2026", "domain": ""}
    record = b"v=DKIM1; k=rsa; p=" + base64.b64encode(public)
    looked_up = []

    def dns(name, timeout=5):
        looked_up.append(name)
        return record if name == b"mail2026._domainkey.harbour.test." else None

    return dns, looked_up


def _signature(data: bytes) -> dict[str, str]:
    header = re.search(rb"^DKIM-Signature:(.*?)\r\n(?![ \t])", data, re.S | re.M).group(1)
    flat = re.sub(rb"\s+", b"", header).decode()
    return dict(part.split("=", 1) for part in flat.split(";") if "=" in part)


def test_every_digest_message_is_signed_aligned_and_covers_the_unsubscribe_headers(mail_sink, dkim_key, settings):
    dns, looked_up = dkim_key
    settings.PUBLIC_SCHEME, settings.PUBLIC_PORT = "https", ""
    brand = brand_with_news(name="Harbour Telegraph of the Long Name " + "Coast " * 12,  # a long, folded From
                            digest_from="daily@harbour.test")
    for n in range(3):
        subscribe(brand, f"reader{n}@mail.test")
    edition, _ = editions.edition_open(brand=brand, date=timezone.localdate(), now=timezone.now())
    assert sending.edition_send(edition_id=edition.pk).sent == 3
    assert len(mail_sink.messages) == 3
    for received in mail_sink.messages:
        data = received.data
        assert dkim.verify(data, dnsfunc=dns), data[:600]
        sig = _signature(data)
        assert sig["d"] == "harbour.test" and sig["s"] == "mail2026" and sig["a"] == "rsa-sha256"
        signed = sig["h"].lower().split(":")
        assert {"from", "to", "subject", "list-unsubscribe", "list-unsubscribe-post", "message-id"} <= set(signed)
        assert re.search(rb"^From: .*@harbour\.test>?\r\n", data.split(b"\r\n\r\n", 1)[0].replace(b"\r\n ", b" "),
                         re.M)
        forged = re.sub(rb"(List-Unsubscribe: <)https://", rb"\1https://evil.example/?", data, count=1)
        assert forged != data and not dkim.verify(forged, dnsfunc=dns)  # a changed header breaks it
    assert set(looked_up) == {b"mail2026._domainkey.harbour.test."}


def test_a_confirmation_email_is_signed_too(mail_sink, dkim_key, settings, eager, django_capture_on_commit_callbacks):
    dns, _ = dkim_key
    settings.EMAIL_BACKEND = "wiredesk.core.mailsigning.SigningSmtpBackend"
    settings.DEFAULT_FROM_EMAIL = "desk@harbour.test"
    brand = brand_with_news()
    from wiredesk.digest.services.subscriptions import subscription_start as sign_up

    with django_capture_on_commit_callbacks(execute=True):
        sign_up(brand=brand, email="new@mail.test", sections=[], ip="192.0.2.7", now=timezone.now())
    (received,) = mail_sink.messages
    assert b"DKIM-Signature:" in received.data and dkim.verify(received.data, dnsfunc=dns)


def test_an_unusable_key_stops_the_edition_before_anyone_is_claimed(mail_sink, settings, tmp_path):
    settings.DKIM = {"key_file": str(tmp_path / "missing.pem"), "selector": "s", "domain": ""}
    brand = brand_with_news()
    subscribe(brand, "reader@mail.test")
    edition, _ = editions.edition_open(brand=brand, date=timezone.localdate(), now=timezone.now())
    report = sending.edition_send(edition_id=edition.pk)
    assert report.sent == 0 and "DKIM key" in report.note and "cannot be read" in report.note
    assert mail_sink.messages == []
    assert list(Delivery.objects.filter(edition=edition).values_list("state", flat=True)) == [Delivery.State.PENDING]

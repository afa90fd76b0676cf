"""Spam complaints are watched: an alarm at 0.1 %, sending halted at 0.3 % (reliability N8).

A brand sent 1,000 digest messages yesterday. Its readers' complaints come in through the
provider's webhook service (which also suppresses each complaining address). One complaint
(0.1 %) raises the alarm and today's edition still goes out; three (0.3 %) halt sending:
today's edition sends nothing and keeps every recipient pending, and the admin says why.
When the complaints are older than the window, the same edition goes out, each reader once.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tests.digest.helpers import brand_with_news, subscribe
from wiredesk.digest.models import Delivery, Edition, MailEvent, Subscriber
from wiredesk.digest.services import editions, reputation, sending
from wiredesk.digest.services.suppression import mail_event_record

pytestmark = pytest.mark.django_db


def _yesterday_sent(brand, count: int) -> tuple[Edition, list[Delivery]]:
    now = timezone.now()
    day = timezone.localdate() - dt.timedelta(days=1)
    edition = Edition.objects.create(brand=brand, date=day, status=Edition.Status.DONE, since=now - dt.timedelta(days=2),
                                     cutoff=now - dt.timedelta(days=1), subject="Yesterday", populated_at=now)
    readers = Subscriber.objects.bulk_create(
        Subscriber(brand=brand, email=f"past{n:04d}@mail.test", status=Subscriber.Status.UNSUBSCRIBED)
        for n in range(count))
    deliveries = Delivery.objects.bulk_create(
        Delivery(edition=edition, subscriber=s, state=Delivery.State.SENT, sent_at=now - dt.timedelta(hours=20))
        for s in readers)
    return edition, deliveries


def _complain(edition, delivery, n: int) -> None:
    recorded = mail_event_record(esp="testesp", event_id=f"c{n}", kind=MailEvent.Kind.COMPLAINT, occurred_at=None,
                                 message_id=f"<digest.{edition.pk}.{delivery.pk}@harbour.test>", recipient=None)
    assert recorded.event_id is not None


def test_one_complaint_in_a_thousand_warns_three_halt_and_sending_resumes_when_they_age_out(
        mail_sink, admin_client, settings):
    brand = brand_with_news()
    past, deliveries = _yesterday_sent(brand, 1000)
    today_readers = [subscribe(brand, f"reader{n}@mail.test") for n in range(5)]
    assert reputation.brand_reputation(brand_id=brand.pk).level == reputation.OK

    _complain(past, deliveries[0], 1)
    standing = reputation.brand_reputation(brand_id=brand.pk)
    assert (standing.level, standing.complaints, standing.sent) == (reputation.WARNED, 1, 1000)
    page = admin_client.get("/admin/digest/edition/", HTTP_HOST="harbour.test").content.decode()
    assert "1 spam complaint for 1,000 messages in 7 days (0.10%)" in page

    _complain(past, deliveries[1], 2)
    _complain(past, deliveries[2], 3)
    assert reputation.brand_reputation(brand_id=brand.pk).level == reputation.HALTED
    edition, created = editions.edition_open(brand=brand, date=timezone.localdate(), now=timezone.now())
    report = sending.edition_send(edition_id=edition.pk)
    assert report.sent == 0 and report.note.startswith("sending halted: 3 spam complaints for 1,000 messages")
    assert mail_sink.messages == []
    assert Delivery.objects.filter(edition=edition, state=Delivery.State.PENDING).count() == len(today_readers)
    edition.refresh_from_db()
    assert edition.status != Edition.Status.DONE and edition.lease_until > timezone.now() + dt.timedelta(minutes=50)
    page = admin_client.get("/admin/digest/edition/", HTTP_HOST="harbour.test").content.decode()
    assert "sending is halted, 3 spam complaints for 1,000 messages" in page

    # A week on, those complaints no longer count: the waiting edition goes out, once each.
    MailEvent.objects.update(occurred_at=timezone.now() - reputation.WINDOW - dt.timedelta(hours=1))
    Delivery.objects.filter(edition=past).update(sent_at=timezone.now() - reputation.WINDOW - dt.timedelta(hours=1))
    Edition.objects.filter(pk=edition.pk).update(lease_until=None)  # its next look has come
    assert reputation.brand_reputation(brand_id=brand.pk).level == reputation.OK
    report = sending.edition_send(edition_id=edition.pk)
    assert report.sent == len(today_readers) and report.finished
    assert sorted(r for m in mail_sink.messages for r in m.rcpt_tos) == sorted(r.email for r in today_readers)


def test_a_single_complaint_on_a_small_list_warns_but_does_not_halt(mail_sink):
    brand = brand_with_news()
    past, deliveries = _yesterday_sent(brand, 50)
    _complain(past, deliveries[0], 1)  # 2 %, but one person
    assert reputation.brand_reputation(brand_id=brand.pk).level == reputation.WARNED
    subscribe(brand, "reader@mail.test")
    edition, _ = editions.edition_open(brand=brand, date=timezone.localdate(), now=timezone.now())
    assert sending.edition_send(edition_id=edition.pk).sent == 1

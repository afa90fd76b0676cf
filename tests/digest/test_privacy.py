"""A subscriber's data exported in full, and erased without changing any edition's counts."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from tests.web.factories import make_brand
from wiredesk.digest.models import Delivery, Edition, MailEvent, Subscriber
from wiredesk.digest.selectors import edition_counts
from wiredesk.digest.services.privacy import subscriber_erase, subscriber_export

pytestmark = pytest.mark.django_db

UTC = dt.timezone.utc
DAY = dt.datetime(2026, 3, 2, 6, 0, tzinfo=UTC)


@pytest.fixture
def person():
    brand = make_brand("Harbour Herald", ["harbour.example"])
    alice = Subscriber.objects.create(
        brand=brand, email="alice@example.org", sections=["world", "sports"], status=Subscriber.Status.CONFIRMED,
        signup_ip="203.0.113.9", confirmation_sent_at=DAY - dt.timedelta(days=3, minutes=5),
        confirmed_at=DAY - dt.timedelta(days=3), confirmed_ip="2001:db8::7", confirmed_user_agent="Mozilla/5.0 Test",
    )
    bob = Subscriber.objects.create(brand=brand, email="bob@example.org", status=Subscriber.Status.CONFIRMED)
    editions = [
        Edition.objects.create(brand=brand, date=(DAY + dt.timedelta(days=d)).date(), since=DAY, cutoff=DAY,
                               subject=f"Harbour Herald daily: {2 + d} Mar 2026")
        for d in (0, 1)
    ]
    sent = Delivery.objects.create(edition=editions[0], subscriber=alice, state=Delivery.State.SENT, sent_at=DAY,
                                   attempts=1)
    Delivery.objects.create(edition=editions[1], subscriber=alice, state=Delivery.State.FAILED, attempts=1,
                            error="550 5.1.1 no such user")
    Delivery.objects.create(edition=editions[0], subscriber=bob, state=Delivery.State.SENT, sent_at=DAY)
    MailEvent.objects.create(subscriber=alice, delivery=sent, kind=MailEvent.Kind.SOFT_BOUNCE, esp="Mailgun",
                             esp_event_id="tok-1", occurred_at=DAY + dt.timedelta(minutes=3))
    return {"alice": alice, "bob": bob, "editions": editions, "brand": brand}


def test_export_holds_everything_stored_about_the_person(person):
    data = subscriber_export(subscriber=person["alice"])
    assert json.loads(json.dumps(data)) == data  # JSON as it is
    assert data["email"] == "alice@example.org"
    assert data["brand"] == {"name": "Harbour Herald", "host": "harbour.example"}
    assert data["sections"] == ["world", "sports"]
    assert data["status"] == "confirmed"
    assert data["consent"] == {
        "signup_ip": "203.0.113.9",
        "confirmation_sent_at": "2026-02-27T05:55:00+00:00",
        "confirmed_at": "2026-02-27T06:00:00+00:00",
        "confirmed_ip": "2001:db8::7",
        "confirmed_user_agent": "Mozilla/5.0 Test",
    }
    assert data["created_at"] and data["unsubscribed_at"] is None and data["suppressed_reason"] == ""
    assert [(d["edition_date"], d["state"]) for d in data["deliveries"]] == [
        ("2026-03-02", "sent"), ("2026-03-03", "failed")
    ]
    assert data["deliveries"][1]["error"] == "550 5.1.1 no such user"
    assert data["mail_events"] == [{
        "kind": "soft-bounce", "provider": "Mailgun", "occurred_at": "2026-03-02T06:03:00+00:00",
        "received_at": data["mail_events"][0]["received_at"], "edition_date": "2026-03-02",
    }]
    # Nobody else's data, and not the key behind the signed links.
    text = json.dumps(data)
    assert "bob@" not in text and person["alice"].key not in text


def test_erase_deletes_the_row_and_keeps_the_counts(person):
    ids = [e.pk for e in person["editions"]]
    before = edition_counts(editions=ids)
    assert before[ids[0]]["sent"] == 2 and before[ids[0]]["bounced"] == 1 and before[ids[1]]["failed"] == 1
    subscriber_erase(subscriber=person["alice"])
    assert not Subscriber.objects.filter(email="alice@example.org").exists()
    assert Delivery.objects.filter(subscriber__isnull=True).count() == 2
    # A server's refusal kept as the error may quote the address: it goes with the person.
    assert not Delivery.objects.filter(subscriber__isnull=True).exclude(error="").exists()
    assert MailEvent.objects.get().subscriber is None
    assert edition_counts(editions=ids) == before
    assert Subscriber.objects.filter(pk=person["bob"].pk).exists()


def test_edition_counts_in_two_queries(person, django_assert_num_queries):
    first_edition, second_edition = person["editions"]
    Subscriber.objects.filter(pk=person["bob"].pk).update(
        status=Subscriber.Status.UNSUBSCRIBED, unsubscribed_at=first_edition.created_at + dt.timedelta(hours=1),
    )
    editions = list(Edition.objects.all())
    with django_assert_num_queries(2):
        counts = edition_counts(editions=editions)
    assert set(counts) == {first_edition.pk, second_edition.pk}
    assert counts[second_edition.pk]["failed"] == 1 and counts[second_edition.pk]["unsubscribed_since"] == 0
    first = counts[first_edition.pk]
    assert (first["sent"], first["total"], first["bounced"], first["unsubscribed_since"]) == (2, 2, 1, 1)
    with django_assert_num_queries(0):
        assert edition_counts(editions=[]) == {}

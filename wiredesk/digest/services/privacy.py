"""A subscriber's data, exported or erased on request (GDPR articles 15 and 17)."""

from __future__ import annotations

import datetime as dt
import logging

from django.db import transaction
from django.utils import timezone

from wiredesk.digest.models import Subscriber

log = logging.getLogger("wiredesk.digest")


def _iso(value: dt.datetime | dt.date | None) -> str | None:
    return value.isoformat() if value is not None else None


def subscriber_export(*, subscriber: Subscriber) -> dict:
    """Everything stored about one subscriber, as JSON-ready values.

    The random key behind the signed links is left out: it identifies nothing to the
    person, and an export is often forwarded by mail.
    """
    deliveries = subscriber.deliveries.select_related("edition").order_by("edition__date", "id")
    events = subscriber.events.select_related("delivery__edition").order_by("occurred_at", "id")
    brand = subscriber.brand
    return {
        "email": subscriber.email,
        "brand": {"name": brand.name, "host": brand.primary_host},
        "sections": list(subscriber.sections or []),
        "status": subscriber.status,
        "created_at": _iso(subscriber.created_at),
        "consent": {
            "signup_ip": subscriber.signup_ip,
            "confirmation_sent_at": _iso(subscriber.confirmation_sent_at),
            "confirmed_at": _iso(subscriber.confirmed_at),
            "confirmed_ip": subscriber.confirmed_ip,
            "confirmed_user_agent": subscriber.confirmed_user_agent,
        },
        "unsubscribed_at": _iso(subscriber.unsubscribed_at),
        "unsubscribed_via": subscriber.unsubscribed_via,
        "suppressed_at": _iso(subscriber.suppressed_at),
        "suppressed_reason": subscriber.suppressed_reason,
        "deliveries": [
            {
                "edition_date": _iso(d.edition.date),
                "subject": d.edition.subject,
                "state": d.state,
                "attempts": d.attempts,
                "sent_at": _iso(d.sent_at),
                "error": d.error,
            }
            for d in deliveries
        ],
        "mail_events": [
            {
                "kind": e.kind,
                "provider": e.esp,
                "occurred_at": _iso(e.occurred_at),
                "received_at": _iso(e.received_at),
                "edition_date": _iso(e.delivery.edition.date) if e.delivery is not None else None,
            }
            for e in events
        ],
        "exported_at": _iso(timezone.now()),
    }


def subscriber_erase(*, subscriber: Subscriber) -> None:
    """Delete the subscriber's row; deliveries and mail events stay, no longer linked to anyone.

    The foreign keys set them to NULL, so an edition's counts by state and its bounces are
    unchanged (its "unsubscribed since" forgets the person, whose unsubscribe date was on the row).
    """
    subscriber_id = subscriber.pk
    with transaction.atomic():
        # A mail server's refusal, kept as the delivery's error, often quotes the address.
        subscriber.deliveries.exclude(error="").update(error="")
        subscriber.delete()
    log.info("subscriber erased subscriber_id=%s", subscriber_id)

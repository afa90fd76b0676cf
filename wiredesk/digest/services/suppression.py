"""Bounces, complaints and mailed unsubscribes reported by the mail provider.

A hard bounce or a complaint suppresses at once; soft bounces suppress once they fall on 3
different days within 15 days. A bounce or a complaint is about the receiving mailbox, not
about one brand, so it is counted per address and suppresses every subscriber row that has
the address. Soft bounces count once per day because providers report each retry of one
temporary failure as its own event (Mailgun sends "failed, temporary" per attempt), and one
full mailbox for an afternoon must not look like three bad days.

Nothing here logs an address: logs carry row ids only.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone

from wiredesk.digest import links
from wiredesk.digest.models import Delivery, MailEvent, Subscriber
from wiredesk.digest.tokens import read_token

log = logging.getLogger("wiredesk.digest")

SOFT_BOUNCE_LIMIT = 3
SOFT_BOUNCE_WINDOW = dt.timedelta(days=15)

# <digest.{edition_id}.{delivery_id}@{brand host}>, the Message-ID of every digest message.
_DIGEST_MESSAGE_ID = re.compile(r"<digest\.([1-9][0-9]{0,17})\.([1-9][0-9]{0,17})@([^\s<>@]{1,253})>")
# An SMTP reply that starts with a 4xx basic code (RFC 5321 §4.2.1) or a 4.x.x enhanced one
# (RFC 3463): the receiving server asked to try again later.
_TRANSIENT_REPLY = re.compile(r"\s*(?:4[0-9]{2}|4\.[0-9]{1,3}\.[0-9]{1,3})(?![0-9.])")
# The subject the List-Unsubscribe mailto: URL asks for: "unsubscribe <token>".
_UNSUBSCRIBE_SUBJECT = re.compile(r"\s*unsubscribe\s+(\S+)\s*", re.IGNORECASE)


@dataclass(frozen=True)
class Recorded:
    """What one provider event did: ``event_id`` is None when it was a duplicate or unmatched."""

    event_id: int | None
    suppressed: int = 0


def message_id_parse(*, message_id: str | None) -> tuple[int, int, str] | None:
    """(edition id, delivery id, host) of a digest Message-ID, or None for any other id."""
    match = _DIGEST_MESSAGE_ID.fullmatch((message_id or "").strip())
    if match is None:
        return None
    return int(match.group(1)), int(match.group(2)), match.group(3).lower()


def bounce_kind(*, event_type: str, mta_response: str | None) -> str | None:
    """The MailEvent kind of an anymail tracking event type, or None when it is not one we keep."""
    if event_type == "complained":
        return MailEvent.Kind.COMPLAINT
    if event_type == "deferred":
        return MailEvent.Kind.SOFT_BOUNCE
    if event_type == "bounced":
        if mta_response and _TRANSIENT_REPLY.match(mta_response):
            return MailEvent.Kind.SOFT_BOUNCE
        return MailEvent.Kind.HARD_BOUNCE
    return None


def soft_limit_reached(*, times: Iterable[dt.datetime]) -> bool:
    """Whether soft bounces at ``times`` fall on 3 different (UTC) days within 15 days."""
    days = sorted({t.astimezone(dt.timezone.utc).date() for t in times})
    span = SOFT_BOUNCE_WINDOW.days
    n = SOFT_BOUNCE_LIMIT
    return any((days[i + n - 1] - days[i]).days < span for i in range(len(days) - n + 1))


def _normalize(address: str | None) -> str:
    return (address or "").strip().lower()


def _delivery_for(message_id: str | None) -> Delivery | None:
    parsed = message_id_parse(message_id=message_id)
    if parsed is None:
        return None
    edition_id, delivery_id, host = parsed
    delivery = (
        Delivery.objects.select_related("subscriber", "edition__brand")
        .filter(pk=delivery_id, edition_id=edition_id)
        .first()
    )
    # The host must be the edition's brand's: an id pair alone could be another sender's.
    # Any of the brand's hosts counts, so reordering them does not orphan mail already out.
    if delivery is None or host not in {h.lower() for h in delivery.edition.brand.hosts}:
        return None
    return delivery


def mail_event_record(
    *,
    esp: str,
    event_id: str | None,
    kind: str,
    occurred_at: dt.datetime | None,
    message_id: str | None,
    recipient: str | None,
    now: dt.datetime | None = None,
) -> Recorded:
    """Store one bounce or complaint and suppress the mailbox when the rules say so.

    The delivery and subscriber come from the digest Message-ID; without one (a confirmation
    email, another provider's id) the recipient address decides. The same provider event
    delivered twice is stored and counted once.
    """
    now = now or timezone.now()
    occurred_at = occurred_at or now
    with transaction.atomic():
        delivery = _delivery_for(message_id)
        subscriber = delivery.subscriber if delivery is not None else None
        address = subscriber.email if subscriber is not None else _normalize(recipient)
        # Locked in id order, so two events for one mailbox are counted one after the other.
        rows = list(Subscriber.objects.select_for_update().filter(email=address).order_by("id")) if address else []
        if subscriber is None and rows:
            # Not from a digest (or the person was erased): the event is the mailbox's; keep
            # it on the address's oldest row so it is counted with the others.
            subscriber = rows[0]
        if delivery is None and subscriber is None:
            log.info("mail event ignored kind=%s esp=%s reason=no-match", kind, esp)
            return Recorded(event_id=None)
        try:
            with transaction.atomic():
                event = MailEvent.objects.create(
                    subscriber=subscriber, delivery=delivery, kind=kind, esp=esp[:40],
                    esp_event_id=(event_id or "")[:200], occurred_at=occurred_at,
                )
        except IntegrityError:
            log.info("mail event duplicate kind=%s esp=%s", kind, esp)
            return Recorded(event_id=None)
        suppress = kind != MailEvent.Kind.SOFT_BOUNCE or (bool(address) and _soft_limit_for(address, occurred_at))
        suppressed = _suppress(rows, reason=kind, now=now) if suppress else 0
    log.info(
        "mail event recorded mail_event_id=%s kind=%s esp=%s delivery_id=%s subscriber_id=%s suppressed=%s",
        event.pk, kind, esp, delivery.pk if delivery else None, subscriber.pk if subscriber else None, suppressed,
    )
    return Recorded(event_id=event.pk, suppressed=suppressed)


def _soft_limit_for(address: str, at: dt.datetime) -> bool:
    # Events arrive late and out of order: look at every window that could hold this one.
    times = MailEvent.objects.filter(
        kind=MailEvent.Kind.SOFT_BOUNCE, subscriber__email=address,
        occurred_at__gte=at - SOFT_BOUNCE_WINDOW, occurred_at__lte=at + SOFT_BOUNCE_WINDOW,
    ).values_list("occurred_at", flat=True)
    return soft_limit_reached(times=times)


def _suppress(rows: list[Subscriber], *, reason: str, now: dt.datetime) -> int:
    ids = [row.pk for row in rows if row.status != Subscriber.Status.SUPPRESSED]
    if not ids:
        return 0
    Subscriber.objects.filter(pk__in=ids).update(
        status=Subscriber.Status.SUPPRESSED, suppressed_at=now, suppressed_reason=reason,
    )
    for pk in ids:
        log.info("subscriber suppressed subscriber_id=%s reason=%s", pk, reason)
    return len(ids)


def unsubscribe_address(*, brand) -> str:
    """The address the List-Unsubscribe mailto: URL of ``brand``'s messages names."""
    return links.unsubscribe_address(brand=brand).lower()


def subscriber_unsubscribe_by_mail(*, subject: str | None, recipients: Iterable[str | None],
                                   now: dt.datetime | None = None) -> int | None:
    """Unsubscribe the subscriber whose signed token a mail to the unsubscribe address carries.

    The message must be addressed to the brand's List-Unsubscribe mailto: address and its
    subject must be ``unsubscribe <token>``. Returns the subscriber id, or None when ignored.
    """
    match = _UNSUBSCRIBE_SUBJECT.fullmatch(subject or "")
    key = read_token("unsubscribe", match.group(1)) if match else None
    if key is None:
        log.info("mailed unsubscribe ignored reason=%s", "subject" if match is None else "token")
        return None
    addressed_to = {_normalize(r) for r in recipients if r}
    now = now or timezone.now()
    with transaction.atomic():
        subscriber = (
            Subscriber.objects.select_for_update(of=("self",)).select_related("brand").filter(key=key).first()
        )
        if subscriber is None or unsubscribe_address(brand=subscriber.brand) not in addressed_to:
            log.info("mailed unsubscribe ignored reason=%s", "gone" if subscriber is None else "recipient")
            return None
        if subscriber.status in (Subscriber.Status.PENDING, Subscriber.Status.CONFIRMED):
            # A suppressed address stays suppressed; an unsubscribed one stays as it left.
            subscriber.status = Subscriber.Status.UNSUBSCRIBED
            subscriber.unsubscribed_at = now
            subscriber.unsubscribed_via = "mailto"
            subscriber.save(update_fields=["status", "unsubscribed_at", "unsubscribed_via"])
            log.info("subscriber unsubscribed subscriber_id=%s via=mailto", subscriber.pk)
    return subscriber.pk

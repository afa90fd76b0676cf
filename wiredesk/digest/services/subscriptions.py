"""Sign-up, double opt-in, unsubscribe and preferences of the daily email.

Every answer the public sign-up form gives is the same whatever state an address is in; what
differs is only which mail (if any) goes out, and mail leaves through a task after commit.
Logs name subscriber ids, never an address or an IP.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import logging
from email.utils import formataddr

from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.template.loader import render_to_string

from wiredesk.core.ratelimit import Limit, hit, ip_bucket, mailbox_bucket
from wiredesk.core.locks import name_lock
from wiredesk.digest import links
from wiredesk.digest.queue import confirmation_send_later
from wiredesk.digest.models import Subscriber
from wiredesk.digest.tokens import CONFIRM_MAX_AGE, read_token

log = logging.getLogger(__name__)

Status = Subscriber.Status

# One sign-up mail (confirmation or "already subscribed") per address per hour, whichever
# brand it was asked from: the form cannot be used to mail-bomb a stranger.
MAIL_INTERVAL = dt.timedelta(hours=1)
SIGNUP_LIMITS = (
    Limit("newsletter-signup-10min", 5, 600),
    Limit("newsletter-signup-day", 30, 24 * 3600),
)
# Address variants that reach one inbox (dots at Gmail, +tags) share this budget, on top of the
# one mail an hour per exact address.
MAILBOX_LIMIT = Limit("newsletter-mail-mailbox", 2, 3600)
USER_AGENT_MAX = 300


def email_normalise(*, email: str) -> str:
    """The stored form of an address: trimmed and lower-cased."""
    return email.strip().lower()


def _ip_or_none(ip: str | None) -> str | None:
    # A misconfigured proxy can hand on anything in X-Forwarded-For; store only real addresses.
    try:
        return str(ipaddress.ip_address((ip or "").strip()))
    except ValueError:
        return None


def signup_wait(*, ip: str, now: dt.datetime) -> int | None:
    """Count a sign-up attempt from an IP; None when allowed, else seconds to wait (Retry-After)."""
    waits = [hit(limit, ip_bucket(ip), now=now.timestamp()) for limit in SIGNUP_LIMITS]
    waits = [w for w in waits if w]
    return max(waits) if waits else None


def _address_lock(email: str) -> None:
    """Serialise sign-ups of one address across brands until the transaction ends (so two
    brands' rows, even ones not yet committed, cannot both claim the hourly mail)."""
    name_lock(scope="wiredesk.digest.address", name=email)


def _mail_slot_claim(subscriber: Subscriber, now: dt.datetime) -> bool:
    """Take the address's hourly mail slot for this subscriber; False when one was used lately."""
    cutoff = now - MAIL_INTERVAL
    if Subscriber.objects.filter(email=subscriber.email, confirmation_sent_at__gt=cutoff).exists():
        return False
    claimed = (
        Subscriber.objects.filter(pk=subscriber.pk)
        .filter(Q(confirmation_sent_at__isnull=True) | Q(confirmation_sent_at__lte=cutoff))
        .update(confirmation_sent_at=now)
    )
    return claimed == 1


def subscription_start(*, brand, email: str, sections: list[str], ip: str, now: dt.datetime) -> None:
    """Record a sign-up and queue the one mail it calls for (if any) after commit.

    new or unsubscribed -> pending + confirmation; pending -> confirmation again; confirmed ->
    "already subscribed" with the preferences link; suppressed -> nothing. A confirmed
    subscriber's sections are only changed through the signed preferences link.
    """
    email = email_normalise(email=email)
    wanted = [s for s in brand.section_list if s in sections]
    signup_ip = _ip_or_none(ip)
    try:
        with transaction.atomic():
            _subscribe_locked(brand, email, wanted, signup_ip, now)
    except IntegrityError:
        # Another request created the row between our look-up and insert (only possible
        # without the address lock); the row now exists, so one more pass updates it.
        with transaction.atomic():
            _subscribe_locked(brand, email, wanted, signup_ip, now)


def _subscribe_locked(brand, email, sections, signup_ip, now) -> Subscriber | None:
    _address_lock(email)
    subscriber = Subscriber.objects.select_for_update().filter(brand=brand, email=email).first()
    if subscriber is None:
        subscriber = Subscriber.objects.create(
            brand=brand, email=email, sections=sections, status=Status.PENDING, signup_ip=signup_ip,
        )
        log.info("subscriber created subscriber_id=%s brand_id=%s", subscriber.pk, brand.pk)
    elif subscriber.status == Status.SUPPRESSED:
        log.info("signup ignored subscriber_id=%s status=suppressed", subscriber.pk)
        return None
    elif subscriber.status in (Status.PENDING, Status.UNSUBSCRIBED):
        if subscriber.status == Status.UNSUBSCRIBED:
            # Coming back needs fresh consent: the earlier confirmation was withdrawn.
            subscriber.confirmed_at = subscriber.confirmed_ip = None
            subscriber.confirmed_user_agent = ""
        subscriber.status = Status.PENDING
        subscriber.sections = sections
        subscriber.signup_ip = signup_ip
        subscriber.save(update_fields=[
            "status", "sections", "signup_ip", "confirmed_at", "confirmed_ip", "confirmed_user_agent",
        ])
    if not _mail_slot_claim(subscriber, now):
        log.info("signup mail skipped subscriber_id=%s reason=hourly-limit", subscriber.pk)
        return subscriber
    if hit(MAILBOX_LIMIT, mailbox_bucket(email), now=now.timestamp()):
        log.info("signup mail skipped subscriber_id=%s reason=mailbox-limit", subscriber.pk)
        return subscriber
    subscriber_id = subscriber.pk
    confirmation_send_later(subscriber_id=subscriber_id)
    log.info("signup mail queued subscriber_id=%s status=%s", subscriber_id, subscriber.status)
    return subscriber


def _mail_render(kind: str, context: dict) -> tuple[str, str]:
    text = render_to_string(f"digest/mail/{kind}.txt", context)
    html = render_to_string(f"digest/mail/{kind}.html", context)
    return text, html


def confirmation_send(*, subscriber_id: int) -> None:
    """Send the mail a sign-up called for: the confirmation link, or "already subscribed"."""
    subscriber = Subscriber.objects.select_related("brand").filter(pk=subscriber_id).first()
    if subscriber is None:
        log.info("signup mail dropped subscriber_id=%s reason=gone", subscriber_id)
        return
    brand = subscriber.brand
    context = {"brand": brand, "hours": CONFIRM_MAX_AGE // 3600}
    if subscriber.status == Status.PENDING:
        kind, subject = "confirm", f"Confirm your {brand.name} daily email"
        context["confirm_url"] = links.confirm_url(subscriber)
    elif subscriber.status == Status.CONFIRMED:
        kind, subject = "already_subscribed", f"You already get the {brand.name} daily email"
        context["preferences_url"] = links.preferences_url(brand, subscriber.key)
    else:
        # Unsubscribed or suppressed since the sign-up: nothing to say any more.
        log.info("signup mail dropped subscriber_id=%s status=%s", subscriber_id, subscriber.status)
        return
    text, html = _mail_render(kind, context)
    message = EmailMultiAlternatives(
        subject=" ".join(subject.split()),  # one line, whatever the brand name holds
        body=text,
        from_email=formataddr((brand.name, links.sender(brand))),
        to=[subscriber.email],
        # RFC 3834: an automatic message, so autoresponders stay quiet.
        headers={"Auto-Submitted": "auto-generated"},
    )
    message.attach_alternative(html, "text/html")
    try:
        message.send()
    except Exception as exc:
        # Free the hourly slot so the reader can ask again. Only the kind of failure is logged:
        # a mail server's refusal quotes the address, and a traceback would carry it into logs.
        Subscriber.objects.filter(pk=subscriber_id).update(confirmation_sent_at=None)
        log.warning("signup mail failed subscriber_id=%s kind=%s error=%s", subscriber_id, kind, type(exc).__name__)
        return
    log.info("signup mail sent subscriber_id=%s kind=%s", subscriber_id, kind)


def subscriber_for_token(*, brand, purpose: str, token: str) -> Subscriber | None:
    """The brand's subscriber a signed link names, or None for an altered, expired or foreign link."""
    key = read_token(purpose, token)
    if key is None or brand is None:
        return None
    return Subscriber.objects.select_related("brand").filter(brand=brand, key=key).first()


def subscriber_confirm(*, subscriber: Subscriber, ip: str, user_agent: str, now: dt.datetime) -> bool:
    """Confirm a pending subscriber and keep the consent record; True when now confirmed."""
    confirmed = Subscriber.objects.filter(pk=subscriber.pk, status=Status.PENDING).update(
        status=Status.CONFIRMED, confirmed_at=now, confirmed_ip=_ip_or_none(ip),
        confirmed_user_agent=(user_agent or "")[:USER_AGENT_MAX], unsubscribed_at=None, unsubscribed_via="",
    )
    if confirmed:
        log.info("subscriber confirmed subscriber_id=%s", subscriber.pk)
    subscriber.refresh_from_db()
    return subscriber.status == Status.CONFIRMED


def subscriber_unsubscribe(*, subscriber: Subscriber, via: str, now: dt.datetime) -> None:
    """Stop the daily email at once (RFC 8058 one-click, the page's button or preferences)."""
    stopped = Subscriber.objects.filter(pk=subscriber.pk, status__in=[Status.PENDING, Status.CONFIRMED]).update(
        status=Status.UNSUBSCRIBED, unsubscribed_at=now, unsubscribed_via=via,
    )
    if stopped:
        log.info("subscriber unsubscribed subscriber_id=%s via=%s", subscriber.pk, via)
    subscriber.refresh_from_db()


def subscriber_sections_set(*, subscriber: Subscriber, sections: list[str]) -> None:
    """Save the sections a subscriber wants (already validated against the brand's)."""
    subscriber.sections = [s for s in subscriber.brand.section_list if s in sections]
    subscriber.save(update_fields=["sections"])
    log.info("subscriber sections saved subscriber_id=%s count=%s", subscriber.pk, len(subscriber.sections))

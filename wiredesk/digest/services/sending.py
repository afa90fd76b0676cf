"""Sending one edition: each recipient gets it once, or is listed as unknown; never twice.

The protocol, per recipient:

1. the row is claimed with a compare-and-set ``pending -> sending`` and committed;
2. the message is handed to the mail server;
3. the outcome is committed: ``sent``, ``failed`` (the server refused it, so nothing was
   delivered), back to ``pending`` (refused for now: retried later), or ``unknown`` (the
   connection broke after the message may have been accepted).

A sender killed anywhere leaves at most the row it was on in ``sending``. Only one sender
works on an edition at a time: it holds a lease on the edition row and renews it while it
runs. The next sender to take the lease marks every ``sending`` row it finds ``unknown``
(the message may or may not have gone out) and carries on with ``pending``: nobody is sent
the edition twice and nobody is skipped. Unknown rows are listed for staff; they are never
resent automatically. The Message-ID is fixed per delivery, so even a manual resend would
be recognised by the receiving system as the same message.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import re
import secrets
import smtplib
import socket
import time
from dataclasses import dataclass, field
from email.utils import formataddr, formatdate

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends.smtp import EmailBackend as SmtpBackend
from django.core.mail.message import sanitize_address
from django.db import connection
from django.db.models import Q
from django.utils import timezone

from wiredesk.core import mailsigning
from wiredesk.core.heartbeat import progress
from wiredesk.digest import links
from wiredesk.digest.models import Delivery, Edition, Subscriber
from wiredesk.digest.render import PREFERENCES_MARK, UNSUBSCRIBE_MARK, EditionRenderer
from wiredesk.digest.services import reputation
from wiredesk.digest.services.editions import populate

log = logging.getLogger("wiredesk.digest")
BATCH = 500
MAX_ATTEMPTS = 6
# After a temporary refusal the run stops and the edition waits before its next run, longer
# each time the same recipient is refused (60 s, 2 min, 4 min ... about half an hour in all
# before that recipient is given up): a server that is throttling is not hammered, and a
# short refusal does not use up everyone's attempts within a minute.
BACKOFF_SECONDS = 60


class NotSent(Exception):
    """The server refused the message: nothing was delivered."""

    def __init__(self, message: str, *, permanent: bool, connection_lost: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent
        self.connection_lost = connection_lost


class Unknown(Exception):
    """The connection broke once the message was on its way: it may have been delivered."""


class TransportDown(Exception):
    """No connection to the mail server: stop this run, the rows stay pending."""


@dataclass
class Report:
    edition_id: int
    sent: int = 0
    failed: int = 0
    unknown: int = 0
    skipped: int = 0
    retry: int = 0
    recovered_unknown: int = 0
    finished: bool = False
    note: str = ""
    seconds: float = 0.0
    extra: dict = field(default_factory=dict)


# --- the mail transport --------------------------------------------------------------------


def _code_error(code: int, reply: bytes, what: str) -> NotSent:
    text = reply.decode("utf-8", "replace")[:200] if isinstance(reply, bytes) else str(reply)[:200]
    return NotSent(f"{what} refused: {code} {text}", permanent=500 <= code < 600)


class Transport:
    """One open connection of Django's configured email backend.

    With the SMTP backend the SMTP conversation is driven step by step, because where it
    breaks decides the outcome: before DATA nothing was delivered; during DATA it may have
    been. Other backends (anymail's providers, file, console) get ``send_messages``, and an
    error from them counts as unknown unless it says the provider refused the message.
    """

    def __init__(self) -> None:
        self.backend = get_connection(fail_silently=False)
        self.smtp = isinstance(self.backend, SmtpBackend)
        self.opened = False

    def open(self) -> None:
        try:
            self.backend.open()
        except (OSError, smtplib.SMTPException) as exc:
            raise TransportDown(f"cannot connect to the mail server: {type(exc).__name__}") from exc
        self.opened = True

    def ensure_open(self) -> None:
        """Connect before the first message, not before knowing there is one: an edition with
        nobody to send to opens no SMTP session (and the file backend writes no empty file)."""
        if not self.opened:
            self.open()

    def close(self) -> None:
        try:
            self.backend.close()
        except Exception:  # closing a broken connection may fail too; it is gone either way
            pass

    def prepare(self, message: EmailMultiAlternatives):
        """Everything that can fail on our side, done before the row is claimed."""
        if not self.smtp:
            return message
        return self.signed(*self.unsigned(message))

    @staticmethod
    def unsigned(message: EmailMultiAlternatives):
        encoding = message.encoding or settings.DEFAULT_CHARSET
        sender = sanitize_address(message.from_email, encoding)
        recipients = [sanitize_address(a, encoding) for a in message.recipients()]
        return sender, recipients, message.message().as_bytes(linesep="\r\n")

    @staticmethod
    def signed(sender: str, recipients: list[str], data: bytes):
        """The message with its DKIM signature when a key is configured (core.mailsigning). A
        key that cannot be used stops the run before any row is claimed: everyone stays pending."""
        try:
            return sender, recipients, mailsigning.sign(data, sender=sender)
        except mailsigning.SigningUnavailable as exc:
            raise TransportDown(str(exc)) from exc

    def send(self, prepared) -> None:
        if not self.smtp:
            return self._send_generic(prepared)
        sender, recipients, data = prepared
        if self.backend.connection is None:
            try:
                self.open()
            except TransportDown as exc:
                raise NotSent(str(exc), permanent=False, connection_lost=True) from exc
        conn = self.backend.connection
        try:
            conn.ehlo_or_helo_if_needed()
            code, reply = conn.mail(sender)
            if code != 250:
                raise _code_error(code, reply, "sender")
            for rcpt in recipients:
                code, reply = conn.rcpt(rcpt)
                if code not in (250, 251):
                    raise _code_error(code, reply, "recipient")
        except NotSent:
            self._reset()
            raise
        except (OSError, smtplib.SMTPException) as exc:
            # The connection broke before the message was offered: nothing was delivered.
            self.close()
            self.backend.connection = None
            raise NotSent(
                f"connection lost before sending: {type(exc).__name__}", permanent=False, connection_lost=True
            ) from exc
        try:
            code, reply = conn.data(data)
        except smtplib.SMTPDataError as exc:
            self._reset()
            raise _code_error(exc.smtp_code, exc.smtp_error, "message") from exc
        except (OSError, smtplib.SMTPException) as exc:
            self.close()
            self.backend.connection = None
            raise Unknown(f"connection lost while handing over the message: {type(exc).__name__}") from exc
        if code != 250:
            self._reset()
            raise _code_error(code, reply, "message")

    def _reset(self) -> None:
        try:
            self.backend.connection.rset()
        except Exception:
            self.close()
            self.backend.connection = None

    def _send_generic(self, message: EmailMultiAlternatives) -> None:
        try:
            self.backend.send_messages([message])
        except Exception as exc:
            status = getattr(exc, "status_code", None)
            if status is not None and int(status) == 429:
                raise NotSent("provider asked to slow down: 429", permanent=False) from exc
            if status is not None and 400 <= int(status) < 500:
                # The provider answered that it will not take the message.
                raise NotSent(f"provider refused: {status}", permanent=True) from exc
            # A 5xx (a gateway timeout above all) may come after the provider took the message.
            if type(exc).__name__ in {"AnymailRecipientsRefused", "AnymailInvalidAddress"}:
                raise NotSent(f"provider refused: {type(exc).__name__}", permanent=True) from exc
            raise Unknown(f"provider call failed: {type(exc).__name__}") from exc


# --- messages ------------------------------------------------------------------------------


def build_message(
    edition: Edition, parts, *, delivery_id: int | str, key: str, email: str, links_for=None, date: str | None = None,
) -> EmailMultiAlternatives:
    """The message for one recipient (``links_for`` and ``date`` let a template keep placeholders)."""
    brand = edition.brand
    if links_for is None:
        unsubscribe, mailto = links.unsubscribe_links(brand, key)
        preferences = links.preferences_url(brand, key)
    else:
        unsubscribe, preferences, mailto = links_for
    text = parts.text.replace(UNSUBSCRIBE_MARK, unsubscribe).replace(PREFERENCES_MARK, preferences)
    html = parts.html.replace(UNSUBSCRIBE_MARK, unsubscribe).replace(PREFERENCES_MARK, preferences)
    headers = {
        "Date": date or formatdate(usegmt=True),
        "Message-ID": f"<digest.{edition.pk}.{delivery_id}@{brand.primary_host}>",
        "List-Unsubscribe": f"<{unsubscribe}>, <{mailto}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        "List-Id": f"{brand.name} daily email <daily.{brand.primary_host}>",
        "Precedence": "bulk",
        "Auto-Submitted": "auto-generated",
    }
    message = EmailMultiAlternatives(
        subject=parts.subject,
        body=text,
        from_email=formataddr((brand.name, links.sender(brand))),
        to=[email],
        headers=headers,
    )
    message.attach_alternative(html, "text/html")
    return message


_TO = "rcpt.placeholder@wiredesk.invalid"
_ID = "%%DELIVERY_ID%%"
_MAILTO = "%%UNSUBSCRIBE_MAILTO%%"
_DATE = "%%DATE%%"
_SAFE_ADDRESS = re.compile(r"[A-Za-z0-9.!#$&'*+/=?^_`{|}~-]+@[A-Za-z0-9.-]+")


class MessageTemplate:
    """One edition's message for one set of sections, built once with placeholders.

    Building a MIME message with the standard library costs about as much as handing it to
    a mail server, so the message is generated once per section set and each recipient's
    copy is the same bytes with their address, Message-ID, date and signed links put in. The
    result is what ``build_message`` + ``Transport.prepare`` would give for that recipient;
    when a placeholder did not survive generation (an encoded body), or an address is not
    plain ASCII, the full path is taken instead.
    """

    def __init__(self, edition: Edition, parts, transport: "Transport") -> None:
        self.edition, self.parts, self.transport = edition, parts, transport
        self.data = b""
        if transport.smtp:
            message = build_message(
                edition, parts, delivery_id=_ID, key="", email=_TO, date=_DATE,
                links_for=(UNSUBSCRIBE_MARK, PREFERENCES_MARK, _MAILTO),
            )
            self.sender, _rcpts, data = transport.unsigned(message)  # signed per recipient below
            # Every placeholder must be there exactly as often as it was put in: a part that
            # was encoded (quoted-printable, base64) would have split or hidden some of them.
            expected = {
                _TO: 1, _ID: 1, _MAILTO: 1, _DATE: 1,
                UNSUBSCRIBE_MARK: 1 + parts.text.count(UNSUBSCRIBE_MARK) + parts.html.count(UNSUBSCRIBE_MARK),
                PREFERENCES_MARK: parts.text.count(PREFERENCES_MARK) + parts.html.count(PREFERENCES_MARK),
            }
            if all(data.count(mark.encode()) == n for mark, n in expected.items()):
                self.data = data
            else:
                log.warning("edition %s: message template unusable, building each message in full", edition.pk)

    def prepare(self, *, delivery_id: int, key: str, email: str):
        if not self.data or not _SAFE_ADDRESS.fullmatch(email):
            return self.transport.prepare(
                build_message(self.edition, self.parts, delivery_id=delivery_id, key=key, email=email)
            )
        brand = self.edition.brand
        unsubscribe, mailto = links.unsubscribe_links(brand, key)  # one signature for both
        data = (
            self.data.replace(UNSUBSCRIBE_MARK.encode(), unsubscribe.encode())
            .replace(PREFERENCES_MARK.encode(), links.preferences_url(brand, key).encode())
            .replace(_MAILTO.encode(), mailto.encode())
            .replace(_ID.encode(), str(delivery_id).encode())
            .replace(_TO.encode(), email.encode())
            .replace(_DATE.encode(), formatdate(usegmt=True).encode())
        )
        return self.transport.signed(self.sender, [email], data)


# --- the lease -----------------------------------------------------------------------------


def new_owner() -> str:
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{secrets.token_hex(4)}"


def acquire_lease(edition_id: int, owner: str, *, now: dt.datetime | None = None) -> bool:
    now = now or timezone.now()
    until = now + dt.timedelta(seconds=settings.DIGEST["lease_seconds"])
    return bool(
        Edition.objects.filter(pk=edition_id)
        .exclude(status=Edition.Status.DONE)
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now) | Q(lease_owner=owner))
        .update(lease_owner=owner, lease_until=until)
    )


def renew_lease(edition_id: int, owner: str) -> bool:
    progress()  # a long edition keeps its worker's heartbeat alive (core.heartbeat)
    until = timezone.now() + dt.timedelta(seconds=settings.DIGEST["lease_seconds"])
    return bool(Edition.objects.filter(pk=edition_id, lease_owner=owner).update(lease_until=until))


def release_lease(edition_id: int, owner: str, *, retry_after: float = 0) -> None:
    until = timezone.now() + dt.timedelta(seconds=retry_after)
    Edition.objects.filter(pk=edition_id, lease_owner=owner).update(lease_until=until)


class _Pacer:
    """At most ``rate`` messages per second (0: no limit)."""

    def __init__(self, rate: float) -> None:
        self.interval = 1.0 / rate if rate else 0.0
        self.next = time.monotonic()

    def wait(self) -> None:
        if not self.interval:
            return
        now = time.monotonic()
        if self.next > now:
            time.sleep(self.next - now)
        self.next = max(self.next, now) + self.interval


# --- the run -------------------------------------------------------------------------------


def _set(delivery_id: int, owner: str, **fields) -> None:
    Delivery.objects.filter(pk=delivery_id, state=Delivery.State.SENDING, claimed_by=owner).update(**fields)


class _Rows:
    """The two writes made for every message, as plain parameterised SQL.

    They run once or twice per recipient (100,000 times for a large edition), where the
    ORM's query building would cost as much as the mail server's answer. Each is one
    autocommitted statement: its commit is the point the protocol relies on.
    """

    def __init__(self, owner: str) -> None:
        table = connection.ops.quote_name(Delivery._meta.db_table)
        self.owner = owner
        subscribers = connection.ops.quote_name(Subscriber._meta.db_table)
        editions = connection.ops.quote_name(Edition._meta.db_table)
        # The claim also checks, in the same statement, that the recipient is still subscribed
        # (an unsubscribe committed a moment ago wins) and that this sender still holds the
        # edition's lease (a sender whose lease ran out while it was stuck claims nothing more).
        self.claim_sql = (
            f"UPDATE {table} SET state = %s, claimed_by = %s, attempts = attempts + 1, updated_at = %s "
            f"WHERE id = %s AND state = %s "
            f"AND EXISTS (SELECT 1 FROM {subscribers} s WHERE s.id = {table}.subscriber_id AND s.status = %s) "
            f"AND EXISTS (SELECT 1 FROM {editions} e WHERE e.id = {table}.edition_id AND e.lease_owner = %s)"
        )
        self.sent_sql = (
            f"UPDATE {table} SET state = %s, sent_at = %s, updated_at = %s, error = '' "
            f"WHERE id = %s AND state = %s AND claimed_by = %s"
        )

    @staticmethod
    def _now():
        return connection.ops.adapt_datetimefield_value(timezone.now())

    def claim(self, delivery_id: int) -> bool:
        with connection.cursor() as cursor:
            cursor.execute(
                self.claim_sql,
                [Delivery.State.SENDING, self.owner, self._now(), delivery_id, Delivery.State.PENDING,
                 Subscriber.Status.CONFIRMED, self.owner],
            )
            return cursor.rowcount == 1

    def sent(self, delivery_id: int) -> None:
        now = self._now()
        with connection.cursor() as cursor:
            cursor.execute(
                self.sent_sql, [Delivery.State.SENT, now, now, delivery_id, Delivery.State.SENDING, self.owner]
            )


def send_edition(edition_id: int, *, owner: str | None = None) -> Report:
    """Send whatever of the edition is still pending; safe to call any number of times."""
    started = time.monotonic()
    owner = owner or new_owner()
    report = Report(edition_id=edition_id)
    if not acquire_lease(edition_id, owner):
        report.note = "another sender holds the edition, or it is done"
        return report
    transport: Transport | None = None
    retry_after = 0.0
    try:
        edition = Edition.objects.select_related("brand").get(pk=edition_id)
        if edition.populated_at is None:
            populate(edition)
        # Rows another sender left mid-send: their outcome cannot be known. Never resent.
        report.recovered_unknown = Delivery.objects.filter(
            edition_id=edition_id, state=Delivery.State.SENDING
        ).exclude(claimed_by=owner).update(
            state=Delivery.State.UNKNOWN, error="sender stopped while handing this message over"
        )
        if report.recovered_unknown:
            log.warning("edition %s: %s deliveries left mid-send marked unknown", edition_id, report.recovered_unknown)
        standing = reputation.brand_reputation(brand_id=edition.brand_id)
        if standing.level == reputation.HALTED:
            # Sending on would make the provider treat the brand's mail as spam: wait, keep
            # every pending row, and look again later (digest.services.reputation).
            report.note = f"sending halted: {standing.describe()}, at or over {reputation.HALT:.1%}"
            retry_after = reputation.HALT_RETRY
            log.error("edition %s: %s", edition_id, report.note)
        else:
            if standing.level == reputation.WARNED:
                log.error("edition %s: complaint rate alarm: %s, at or over %.1f%%", edition_id,
                          standing.describe(), reputation.ALARM * 100)
            renderer = EditionRenderer(brand=edition.brand, date=edition.date, stories=edition.stories,
                                       subject=edition.subject)
            transport = Transport()
            retry_after = _run(edition, renderer, transport, owner, report)
    except TransportDown as exc:
        report.note = str(exc)
        retry_after = 60.0
        log.warning("edition %s: %s", edition_id, exc)
    finally:
        if transport is not None:
            transport.close()
        _finish(edition_id, owner, report)
        release_lease(edition_id, owner, retry_after=retry_after)
        report.seconds = time.monotonic() - started
    log.info(
        "edition %s run: sent=%s failed=%s unknown=%s skipped=%s retry=%s finished=%s",
        edition_id, report.sent, report.failed, report.unknown, report.skipped, report.retry, report.finished,
    )
    return report


def _run(edition: Edition, renderer: EditionRenderer, transport: Transport, owner: str, report: Report) -> float:
    pacer = _Pacer(settings.DIGEST["rate"])
    renew_every = max(1.0, settings.DIGEST["lease_seconds"] / 3)
    renewed = time.monotonic()
    last_id = 0
    confirmed = Subscriber.Status.CONFIRMED
    templates: dict = {}
    rows_sql = _Rows(owner)
    while True:
        rows = list(
            Delivery.objects.filter(edition_id=edition.pk, state=Delivery.State.PENDING, id__gt=last_id)
            .order_by("id")
            .values_list("id", "subscriber__key", "subscriber__email", "subscriber__sections", "subscriber__status")[:BATCH]
        )
        if not rows:
            return 0.0
        if renderer.withdrawn_since():
            # An editor killed one of its stories mid-send: the rest of the readers go without it.
            renderer = EditionRenderer(brand=edition.brand, date=edition.date, stories=edition.stories,
                                       subject=edition.subject)
            templates.clear()
        for delivery_id, key, email, sections, status in rows:
            last_id = delivery_id
            if time.monotonic() - renewed > renew_every:
                if not renew_lease(edition.pk, owner):
                    report.note = "lease lost"
                    return 0.0
                renewed = time.monotonic()
            parts = renderer.parts(sections or ()) if status == confirmed else None
            if parts is None:
                # Unsubscribed, suppressed, erased or no longer taking these sections.
                report.skipped += Delivery.objects.filter(pk=delivery_id, state=Delivery.State.PENDING).update(
                    state=Delivery.State.SKIPPED
                )
                continue
            try:
                template = templates.get(parts)
                if template is None:
                    template = templates[parts] = MessageTemplate(edition, parts, transport)
                prepared = template.prepare(delivery_id=delivery_id, key=key, email=email)
            except ValueError as exc:  # an address Django cannot put in a header
                Delivery.objects.filter(pk=delivery_id, state=Delivery.State.PENDING).update(
                    state=Delivery.State.FAILED, error=f"message not built: {type(exc).__name__}"
                )
                report.failed += 1
                continue
            transport.ensure_open()  # a mail server that is down stops the run before any claim
            pacer.wait()  # before the claim: a kill while waiting leaves the row pending
            if not rows_sql.claim(delivery_id):
                if not renew_lease(edition.pk, owner):
                    report.note = "lease lost"
                    return 0.0
                # Not claimable: taken by nobody else (we hold the lease), so the recipient left
                # (or was erased) since the batch was read.
                report.skipped += (
                    Delivery.objects.filter(pk=delivery_id, state=Delivery.State.PENDING)
                    .exclude(subscriber__status=Subscriber.Status.CONFIRMED)
                    .update(state=Delivery.State.SKIPPED)
                )
                continue
            outcome = _hand_over(transport, prepared)
            if isinstance(outcome, NotSent):
                attempts = Delivery.objects.filter(pk=delivery_id).values_list("attempts", flat=True).first() or 0
                if outcome.permanent or attempts >= MAX_ATTEMPTS:
                    _set(delivery_id, owner, state=Delivery.State.FAILED, error=str(outcome)[:300])
                    report.failed += 1
                else:
                    _set(delivery_id, owner, state=Delivery.State.PENDING, claimed_by="", error=str(outcome)[:300])
                    report.retry += 1
                    # Refused for now, or the server is gone even after a reconnect: stop and
                    # come back later rather than run through everyone's attempts now.
                    return float(min(BACKOFF_SECONDS * 2 ** (attempts - 1), 1800))
            elif isinstance(outcome, Unknown):
                _set(delivery_id, owner, state=Delivery.State.UNKNOWN, error=str(outcome)[:300])
                report.unknown += 1
                log.warning("edition %s: delivery %s outcome unknown", edition.pk, delivery_id)
            else:
                rows_sql.sent(delivery_id)
                report.sent += 1


def _hand_over(transport: Transport, prepared) -> NotSent | Unknown | None:
    """Send one message; a connection the server closed before the message is reopened once."""
    for attempt in (1, 2):
        try:
            transport.send(prepared)
            return None
        except NotSent as exc:
            if not (exc.connection_lost and attempt == 1):
                return exc
            try:
                transport.open()
            except TransportDown:
                return exc
        except Unknown as exc:
            return exc
    return None


def _finish(edition_id: int, owner: str, report: Report) -> None:
    """Mark the edition done when nothing is pending or mid-send any more."""
    open_rows = Delivery.objects.filter(
        edition_id=edition_id, state__in=[Delivery.State.PENDING, Delivery.State.SENDING]
    ).exists()
    if open_rows:
        return
    report.finished = bool(
        Edition.objects.filter(pk=edition_id, lease_owner=owner, populated_at__isnull=False)
        .exclude(status=Edition.Status.DONE)
        .update(status=Edition.Status.DONE, finished_at=timezone.now())
    )

"""The run: claim each pending row, hand its message over, record the outcome (the protocol
in the package's docstring)."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection
from django.utils import timezone

from wiredesk.digest.models import Delivery, Edition, Subscriber
from wiredesk.digest.render import EditionRenderer
from wiredesk.digest.services import reputation
from wiredesk.digest.services.editions import edition_populate

from wiredesk.digest.services.sending.lease import Pacer, lease_acquire, new_owner, lease_release, lease_renew
from wiredesk.digest.services.sending.message import MessageTemplate
from wiredesk.digest.services.sending.transport import NotSent, Transport, TransportDown, Unknown

log = logging.getLogger("wiredesk.digest")

BATCH = 500
MAX_ATTEMPTS = 6
# After a temporary refusal the run stops and the edition waits before its next run, longer
# each time the same recipient is refused (60 s, 2 min, 4 min ... about half an hour in all
# before that recipient is given up): a server that is throttling is not hammered, and a
# short refusal does not use up everyone's attempts within a minute.
BACKOFF_SECONDS = 60


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


def edition_send(*, edition_id: int, owner: str | None = None) -> Report:
    """Send whatever of the edition is still pending; safe to call any number of times."""
    started = time.monotonic()
    owner = owner or new_owner()
    report = Report(edition_id=edition_id)
    if not lease_acquire(edition_id=edition_id, owner=owner):
        report.note = "another sender holds the edition, or it is done"
        return report
    transport: Transport | None = None
    retry_after = 0.0
    try:
        edition = Edition.objects.select_related("brand").get(pk=edition_id)
        if edition.populated_at is None:
            edition_populate(edition=edition)
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
        lease_release(edition_id=edition_id, owner=owner, retry_after=retry_after)
        report.seconds = time.monotonic() - started
    log.info(
        "edition %s run: sent=%s failed=%s unknown=%s skipped=%s retry=%s finished=%s",
        edition_id, report.sent, report.failed, report.unknown, report.skipped, report.retry, report.finished,
    )
    return report


def _run(edition: Edition, renderer: EditionRenderer, transport: Transport, owner: str, report: Report) -> float:
    pacer = Pacer(settings.DIGEST["rate"])
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
                if not lease_renew(edition_id=edition.pk, owner=owner):
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
            prepared = _prepared(templates, edition, parts, transport, delivery_id=delivery_id, key=key, email=email,
                                 report=report)
            if prepared is None:
                continue
            transport.ensure_open()  # a mail server that is down stops the run before any claim
            pacer.wait()  # before the claim: a kill while waiting leaves the row pending
            if not rows_sql.claim(delivery_id):
                if not lease_renew(edition_id=edition.pk, owner=owner):
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
            wait = _record(_hand_over(transport, prepared), edition_id=edition.pk, delivery_id=delivery_id,
                           owner=owner, rows_sql=rows_sql, report=report)
            if wait is not None:
                return wait


def _prepared(templates: dict, edition: Edition, parts, transport: Transport, *, delivery_id: int, key: str,
              email: str, report: Report):
    """The reader's message, from the template for their sections (built once per set); None,
    with the row failed, when Django cannot put the address in a header."""
    try:
        template = templates.get(parts)
        if template is None:
            template = templates[parts] = MessageTemplate(edition, parts, transport)
        return template.prepare(delivery_id=delivery_id, key=key, email=email)
    except ValueError as exc:
        Delivery.objects.filter(pk=delivery_id, state=Delivery.State.PENDING).update(
            state=Delivery.State.FAILED, error=f"message not built: {type(exc).__name__}"
        )
        report.failed += 1
        return None


def _record(outcome: NotSent | Unknown | None, *, edition_id: int, delivery_id: int, owner: str, rows_sql: _Rows,
            report: Report) -> float | None:
    """Commit what became of one message; the seconds to wait before the next run when the run
    must stop here (refused for now), else None."""
    if isinstance(outcome, NotSent):
        attempts = Delivery.objects.filter(pk=delivery_id).values_list("attempts", flat=True).first() or 0
        if outcome.permanent or attempts >= MAX_ATTEMPTS:
            _set(delivery_id, owner, state=Delivery.State.FAILED, error=str(outcome)[:300])
            report.failed += 1
            return None
        _set(delivery_id, owner, state=Delivery.State.PENDING, claimed_by="", error=str(outcome)[:300])
        report.retry += 1
        # Refused for now, or the server is gone even after a reconnect: stop and come back
        # later rather than run through everyone's attempts now.
        return float(min(BACKOFF_SECONDS * 2 ** (attempts - 1), 1800))
    if isinstance(outcome, Unknown):
        _set(delivery_id, owner, state=Delivery.State.UNKNOWN, error=str(outcome)[:300])
        report.unknown += 1
        log.warning("edition %s: delivery %s outcome unknown", edition_id, delivery_id)
        return None
    rows_sql.sent(delivery_id)
    report.sent += 1
    return None


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

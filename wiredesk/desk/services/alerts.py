"""Source-health alerts: raised once when a source fails or falls silent, cleared when it recovers.

Two rules, both about the source itself:

- **failing**: two or more refreshes in a row failed, and the run of failures began
  ``failing_hours`` ago or more (``Source.failing_since``; a resumed source starts afresh). A
  source an editor paused is not failing; one the scheduler paused (410 Gone, a poison feed) is.
- **silent**: it answers, but no new article has come for much longer than its own usual gap,
  counted up to its last successful refresh (a source wiredesk could not poll is not silent).
  The usual gap is the mean time between new articles over the last ``window_days`` (from the
  daily health rows); the alert fires when the silence passes ``silent_factor`` times that
  gap and at least ``silent_min_hours`` (a wire that sleeps at night is not silent at dawn).
  A source with fewer than ``silent_min_items`` articles in the window has no usual rate yet.

An alert is a row (sources.SourceAlert) with at most one open per source and kind, enforced
by the database, so two schedulers checking at once raise it once and email once. It clears
on recovery, not when the rule stops firing: a failing source clears on a successful refresh
since the alert (even if it failed again after: that is a new episode),
a silent one when a new article arrives; both clear when an editor pauses the source.
The brand editors of every brand carrying the source and the active superusers are told when an
alert is raised and when it clears: one email per person per check, listing every change that
concerns them (a network outage failing hundreds of sources at once is one message).
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage, get_connection
from django.db import IntegrityError, transaction
from django.db.models import F, Min, Sum

from wiredesk.brands.models import Brand, BrandSource
from wiredesk.brands.selectors import brand_origin
from wiredesk.core.timelimits import TIME_LIMITS
from wiredesk.ingest.services import CRASH_LIMIT
from wiredesk.sources.models import Source, SourceAlert, SourceDay
from wiredesk.sources.services import source_days_prune
from wiredesk.text.chars import one_line

log = logging.getLogger("wiredesk.desk")

HEALTH_DAYS = 30  # the health page's charts; daily rows older than this (and a margin) are pruned


@dataclass(frozen=True)
class Rules:
    failing_hours: float = 6.0
    silent_factor: float = 4.0
    silent_min_hours: float = 6.0
    silent_min_items: int = 10
    window_days: int = 14

    @classmethod
    def from_settings(cls) -> Rules:
        return cls(**settings.SOURCE_ALERTS)


def paused_by_scheduler(*, source: Source) -> bool:
    """Paused by the scheduler itself (the feed answered 410 Gone, or a poison feed), from the
    facts it records, not from the wording of the reason an editor can edit."""
    return not source.enabled and (source.last_status == 410 or source.consecutive_crashes >= CRASH_LIMIT)


def paused_by_editor(*, source: Source) -> bool:
    return not source.enabled and not paused_by_scheduler(source=source)


def failing(*, source: Source, now: dt.datetime, rules: Rules) -> str:
    """Why the source counts as failing, or "" when it does not: at least two refreshes in a
    row failed, and the run of failures began ``failing_hours`` ago or more (a resumed source
    starts a new run, so a long pause is not counted as failure)."""
    if source.consecutive_errors == 0 or paused_by_editor(source=source):
        return ""
    if source.consecutive_errors < 2 and not paused_by_scheduler(source=source):
        return ""  # one failure is a blip (and, for a feed polled twice a day, half a day)
    since = source.failing_since or source.last_success_at or source.created_at
    hours = (now - since).total_seconds() / 3600
    if hours < rules.failing_hours:
        return ""
    what = "no successful refresh since it was added" if source.last_success_at is None else \
        f"every refresh for {hours:.0f} hours failed"
    last = (source.last_error or source.paused_reason)[:200]
    return f"{what} ({source.consecutive_errors} in a row; last: {last})"


def silent(*, last_new_at: dt.datetime | None, checked_at: dt.datetime | None, items: int, span_hours: float,
           rules: Rules) -> str:
    """Why the source counts as silent, or "": ``items`` new articles came in the last
    ``span_hours``, the last one at ``last_new_at``; its quiet is measured up to its last
    successful refresh (``checked_at``), so a source not polled for a while (wiredesk was
    down, the queue was behind) is not taken for a silent one."""
    if last_new_at is None or checked_at is None or items < rules.silent_min_items or span_hours <= 0:
        return ""
    usual = span_hours / items
    limit = max(rules.silent_min_hours, rules.silent_factor * usual)
    quiet = (checked_at - last_new_at).total_seconds() / 3600
    if quiet < limit:
        return ""
    return (f"no new article for {quiet:.0f} hours; it usually sends one every {_hours(usual)} "
            f"({items} in the last {span_hours / 24:.0f} days)")


def _hours(hours: float) -> str:
    return f"{hours * 60:.0f} minutes" if hours < 1 else f"{hours:.1f} hours"


@dataclass
class AlertReport:
    raised: int = 0
    cleared: int = 0
    emailed: int = 0  # messages sent: at most one per person per check


@dataclass(frozen=True)
class _Change:
    alert_id: int
    source: Source
    subject: str  # e.g. "Ternmouth Wire is failing"
    line: str  # what happened, in a sentence


def alerts_check(*, now: dt.datetime, rules: Rules | None = None) -> AlertReport:
    """Raise the alerts that fire, clear the ones whose source recovered; then one email per
    person listing every change that concerns them (a network outage that fails 300 sources at
    once is one message, not 300)."""
    rules = rules or Rules.from_settings()
    report = AlertReport()
    changes: list[_Change] = []
    open_alerts = {(a.source_id, a.kind): a for a in SourceAlert.objects.filter(cleared_at__isnull=True)}
    # Whole days (UTC): the window's items and its span start at the same midnight.
    first_day = (now - dt.timedelta(days=rules.window_days)).date()
    history = {
        row["source_id"]: row for row in SourceDay.objects.filter(day__gte=first_day)
        .values("source_id").annotate(items=Sum("new_items"), first=Min("day"))
    }
    for source in Source.objects.filter(kind=Source.Kind.WIRE):
        reasons = {SourceAlert.Kind.FAILING: failing(source=source, now=now, rules=rules)}
        last_new = source.last_new_at
        row = history.get(source.id)
        if row and source.enabled and not reasons[SourceAlert.Kind.FAILING]:
            start = max(dt.datetime.combine(row["first"], dt.time(), tzinfo=dt.timezone.utc), source.created_at)
            reasons[SourceAlert.Kind.SILENT] = silent(
                last_new_at=last_new, checked_at=source.last_success_at, items=row["items"] or 0,
                span_hours=(now - start).total_seconds() / 3600, rules=rules)
        for kind in SourceAlert.Kind:
            alert = open_alerts.get((source.id, kind))
            if alert is None and reasons.get(kind):
                changes += _raise(source, kind, reasons[kind], now=now, report=report)
            elif alert is not None:
                how = _recovered(source, alert, last_new_at=last_new)
                if how:
                    changes += _clear(source, alert, how, now=now, report=report)
    if changes:
        report.emailed = _notify(changes)
    source_days_prune(before=(now - dt.timedelta(days=HEALTH_DAYS + 5)).date())
    return report


def _recovered(source: Source, alert: SourceAlert, *, last_new_at: dt.datetime | None) -> str:
    if paused_by_editor(source=source):
        return "the source was paused by an editor"
    if alert.kind == SourceAlert.Kind.FAILING:
        # A success since it was raised, even if the source failed again since: a new run of
        # failures is a new episode, alerted afresh once it lasts.
        if source.last_success_at and source.last_success_at > alert.raised_at:
            return "a refresh succeeded"
        return ""
    if last_new_at and last_new_at > alert.raised_at:
        return "a new article arrived"
    return ""


def _one_line(text: str) -> str:
    return one_line(text)[:120]  # a source's name as an email subject allows it


def _raise(source: Source, kind: str, detail: str, *, now: dt.datetime, report: AlertReport) -> list[_Change]:
    try:
        with transaction.atomic():
            alert = SourceAlert.objects.create(source=source, kind=kind, detail=detail[:500], raised_at=now)
    except IntegrityError:
        return []  # another checker raised it a moment ago, and emails it
    report.raised += 1
    log.warning("source alert raised source_id=%s kind=%s", source.id, kind)
    line = f"{_one_line(source.name)} ({source.feed_url}) is {alert.get_kind_display()}: {detail}."
    return [_Change(alert.id, source, f"{_one_line(source.name)} is {alert.get_kind_display()}", line)]


def _clear(source: Source, alert: SourceAlert, how: str, *, now: dt.datetime, report: AlertReport) -> list[_Change]:
    cleared = SourceAlert.objects.filter(id=alert.id, cleared_at__isnull=True).update(
        cleared_at=now, cleared_how=how[:200])
    if not cleared:
        return []  # cleared by another checker
    report.cleared += 1
    log.info("source alert cleared source_id=%s kind=%s", source.id, alert.kind)
    line = (f"{_one_line(source.name)} ({source.feed_url}), {alert.get_kind_display()} since "
            f"{alert.raised_at:%Y-%m-%d %H:%M} UTC, has recovered: {how}.")
    return [_Change(alert.id, source, f"{_one_line(source.name)} recovered", line)]


def alert_recipients(*, sources: list[Source]) -> dict[int, set[str]]:
    """Source id -> the addresses its alerts go to: the active superusers, and the editors of
    every brand carrying it (three queries, whatever the number of sources)."""
    User = get_user_model()
    everyone = set(User.objects.filter(is_active=True, is_superuser=True).exclude(email="")
                   .values_list("email", flat=True))
    out = {source.id: set(everyone) for source in sources}
    carried = BrandSource.objects.filter(source__in=sources).values_list("brand_id", "source_id")
    by_brand: dict[int, set[str]] = {}
    for brand_id, email in (User.objects.filter(is_active=True, edited_brands__isnull=False).exclude(email="")
                            .values_list("edited_brands", "email")):
        by_brand.setdefault(brand_id, set()).add(email)
    for brand_id, source_id in carried:
        out[source_id] |= by_brand.get(brand_id, set())
    return out


def _link() -> str:
    """The health page's address on the first brand (the admin answers on every brand's host)."""
    brand = Brand.objects.order_by("id").first()
    where = "/admin/sources/source/health/"
    return f"{brand_origin(brand=brand)}{where}" if brand and brand.hosts else where


def _notify(changes: list[_Change]) -> int:
    recipients = alert_recipients(sources=list({c.source.id: c.source for c in changes}.values()))
    per_person: dict[str, list[_Change]] = {}
    for change in changes:
        for address in recipients.get(change.source.id, ()):
            per_person.setdefault(address, []).append(change)
    link, sent = _link(), 0
    told: dict[int, int] = {}
    try:
        connection = get_connection()
        connection.open()
    except TIME_LIMITS:
        raise
    except Exception as exc:  # the alerts stay raised and listed in the admin
        log.error("source alert email not sent: no mail connection (%s)", type(exc).__name__)
        return 0
    try:
        for address, mine in sorted(per_person.items()):
            subject = f"[wiredesk] {mine[0].subject}" if len(mine) == 1 else f"[wiredesk] {len(mine)} source alerts"
            body = "\n\n".join(c.line for c in mine)
            body += ("\n\nEach alert is sent once, and once more when its source recovers."
                     f"\n\nSource health: {link}\n")
            try:
                # One message per person (no editor sees another's address), over one connection.
                EmailMessage(subject, body, None, [address], connection=connection).send()
            except TIME_LIMITS:
                raise
            except Exception as exc:  # named by its type only: SMTP errors can quote the address
                log.error("source alert email failed alerts=%s error=%s", [c.alert_id for c in mine],
                          type(exc).__name__)
                continue
            sent += 1
            for change in mine:
                told[change.alert_id] = told.get(change.alert_id, 0) + 1
    finally:
        connection.close()
    for alert_id, count in told.items():
        SourceAlert.objects.filter(id=alert_id).update(notified=F("notified") + count)
    return sent

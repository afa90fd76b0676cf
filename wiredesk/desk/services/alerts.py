"""Source-health alerts: raised once when a source fails or falls silent, cleared when it recovers.

Two rules, both about the source itself:

- **failing**: its refreshes have failed without a success for ``failing_hours`` (since its
  last success, or since it was added when it never had one). A source an editor paused is
  not failing; one the scheduler paused (410 Gone, a poison feed) is.
- **silent**: it answers, but no new article has come for much longer than its own usual gap.
  The usual gap is the mean time between new articles over the last ``window_days`` (from the
  daily health rows); the alert fires when the silence passes ``silent_factor`` times that
  gap and at least ``silent_min_hours`` (a wire that sleeps at night is not silent at dawn).
  A source with fewer than ``silent_min_items`` articles in the window has no usual rate yet.

An alert is a row (sources.SourceAlert) with at most one open per source and kind, enforced
by the database, so two schedulers checking at once raise it once and email once. It clears
on recovery, not when the rule stops firing: a failing source clears on a successful refresh,
a silent one when a new article arrives; both clear when an editor pauses the source.
The brand editors of every brand carrying the source and the active superusers get one email
when an alert is raised and one when it clears.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Max, Min, Q, Sum

from wiredesk.brands.models import Brand
from wiredesk.brands.selectors import brand_origin
from wiredesk.sources.models import Source, SourceAlert, SourceDay
from wiredesk.sources.services import source_days_prune
from wiredesk.stories.models import Article

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


def paused_by_editor(source: Source) -> bool:
    return not source.enabled and not source.paused_reason.startswith("paused:")


def failing(source: Source, *, now: dt.datetime, rules: Rules) -> str:
    """Why the source counts as failing, or "" when it does not."""
    if source.consecutive_errors == 0 or paused_by_editor(source):
        return ""
    since = source.last_success_at or source.created_at
    hours = (now - since).total_seconds() / 3600
    if hours < rules.failing_hours:
        return ""
    what = "no successful refresh since it was added" if source.last_success_at is None else \
        f"no successful refresh for {hours:.0f} hours"
    last = (source.last_error or source.paused_reason)[:200]
    return f"{what} ({source.consecutive_errors} failures in a row; last: {last})"


def silent(*, last_new_at: dt.datetime | None, items: int, span_hours: float, now: dt.datetime,
           rules: Rules) -> str:
    """Why the source counts as silent, or "": ``items`` new articles came in the last
    ``span_hours`` (the window, or less for a young source), the last one at ``last_new_at``."""
    if last_new_at is None or items < rules.silent_min_items or span_hours <= 0:
        return ""
    usual = span_hours / items
    limit = max(rules.silent_min_hours, rules.silent_factor * usual)
    quiet = (now - last_new_at).total_seconds() / 3600
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
    emailed: int = 0


def alerts_check(*, now: dt.datetime, rules: Rules | None = None) -> AlertReport:
    """Raise the alerts that fire, clear the ones whose source recovered; email both once."""
    rules = rules or Rules.from_settings()
    report = AlertReport()
    open_alerts = {(a.source_id, a.kind): a for a in SourceAlert.objects.filter(cleared_at__isnull=True)}
    window_start = now - dt.timedelta(days=rules.window_days)
    history = {
        row["source_id"]: row for row in SourceDay.objects.filter(day__gte=window_start.date())
        .values("source_id").annotate(items=Sum("new_items"), first=Min("day"))
    }
    # Sources from before the daily rows existed: their newest article stands in for last_new_at.
    newest = dict(Article.objects.filter(source__last_new_at__isnull=True, source__kind=Source.Kind.WIRE)
                  .values_list("source_id").annotate(Max("first_seen_at")))
    for source in Source.objects.filter(kind=Source.Kind.WIRE):
        reasons = {SourceAlert.Kind.FAILING: failing(source, now=now, rules=rules)}
        last_new = source.last_new_at or newest.get(source.id)
        row = history.get(source.id)
        if row and source.enabled and not reasons[SourceAlert.Kind.FAILING]:
            start = max(window_start, dt.datetime.combine(row["first"], dt.time(), tzinfo=dt.timezone.utc),
                        source.created_at)
            reasons[SourceAlert.Kind.SILENT] = silent(
                last_new_at=last_new, items=row["items"] or 0, span_hours=(now - start).total_seconds() / 3600,
                now=now, rules=rules)
        for kind in SourceAlert.Kind:
            alert = open_alerts.get((source.id, kind))
            if alert is None and reasons.get(kind):
                report.emailed += _raise(source, kind, reasons[kind], now=now, report=report)
            elif alert is not None:
                how = _recovered(source, alert, last_new_at=last_new)
                if how:
                    report.emailed += _clear(source, alert, how, now=now, report=report)
    source_days_prune(before=(now - dt.timedelta(days=HEALTH_DAYS + 5)).date())
    return report


def _recovered(source: Source, alert: SourceAlert, *, last_new_at: dt.datetime | None) -> str:
    if paused_by_editor(source):
        return "the source was paused by an editor"
    if alert.kind == SourceAlert.Kind.FAILING:
        if source.consecutive_errors == 0 and source.last_success_at and source.last_success_at > alert.raised_at:
            return "a refresh succeeded"
        return ""
    if last_new_at and last_new_at > alert.raised_at:
        return "a new article arrived"
    return ""


def _raise(source: Source, kind: str, detail: str, *, now: dt.datetime, report: AlertReport) -> int:
    try:
        with transaction.atomic():
            alert = SourceAlert.objects.create(source=source, kind=kind, detail=detail[:500], raised_at=now)
    except IntegrityError:
        return 0  # another checker raised it a moment ago, and emails it
    report.raised += 1
    log.warning("source alert raised source_id=%s kind=%s", source.id, kind)
    subject = f"[wiredesk] {_one_line(source.name)} is {alert.get_kind_display()}"
    body = (f"The source {source.name} ({source.feed_url}) is {alert.get_kind_display()}: {detail}.\n\n"
            "This alert is sent once; another follows when the source recovers.")
    sent = _email(source, subject, body)
    SourceAlert.objects.filter(id=alert.id).update(notified=sent)
    return sent


def _clear(source: Source, alert: SourceAlert, how: str, *, now: dt.datetime, report: AlertReport) -> int:
    cleared = SourceAlert.objects.filter(id=alert.id, cleared_at__isnull=True).update(
        cleared_at=now, cleared_how=how[:200])
    if not cleared:
        return 0  # cleared by another checker
    report.cleared += 1
    log.info("source alert cleared source_id=%s kind=%s", source.id, alert.kind)
    subject = f"[wiredesk] {_one_line(source.name)} recovered"
    body = (f"The source {source.name} ({source.feed_url}), {alert.get_kind_display()} since "
            f"{alert.raised_at:%Y-%m-%d %H:%M} UTC, has recovered: {how}.")
    return _email(source, subject, body)


def _one_line(text: str) -> str:
    return " ".join(text.split())[:120]


def alert_recipients(source: Source) -> tuple[list[str], Brand | None]:
    """The addresses an alert about ``source`` goes to, and a brand to link the admin on."""
    brands = list(Brand.objects.filter(sources=source).order_by("id"))
    users = get_user_model().objects.filter(is_active=True).exclude(email="").filter(
        Q(is_superuser=True) | Q(edited_brands__in=brands)).distinct()
    return sorted({u.email for u in users}), (brands[0] if brands else None)


def _email(source: Source, subject: str, body: str) -> int:
    recipients, brand = alert_recipients(source)
    if not recipients:
        return 0
    where = "/admin/sources/source/health/"
    link = f"{brand_origin(brand)}{where}" if brand and brand.hosts else where
    body += f"\n\nSource health: {link}\n"
    try:
        # One message per person: no editor sees another's address.
        for address in recipients:
            send_mail(subject, body, None, [address])
    except Exception:  # the alert stays raised and visible in the admin
        log.exception("source alert email failed source_id=%s", source.id)
        return 0
    return len(recipients)

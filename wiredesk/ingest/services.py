"""source_refresh: the one orchestrator every front door calls (scheduler, CLI, admin).

fetch -> parse -> [fetch page -> extract] -> normalize -> dedup -> store (a savepoint per
item, the search-index rows in the same transaction). The stages in the middle are pure; this
module and wiredesk.ingest.store hold the I/O at both ends.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from wiredesk.core.errors import StorageUnavailable, database_unavailable
from wiredesk.core.generation import changes_batched
from wiredesk.core.http import FetchError, GuardedClient, client_from_settings
from wiredesk.core.locks import name_lock
from wiredesk.core.timelimits import TIME_LIMITS
from wiredesk.ingest import schedule
from wiredesk.ingest.formats import ParseError, parse_feed
from wiredesk.ingest.store import store_items
from wiredesk.ingest.types import RefreshReport
from wiredesk.ingest.withdrawals import articles_gone_upstream
from wiredesk.sources.models import Source, feed_host
from wiredesk.sources.services import source_day_count
from wiredesk.stories import selectors as story_selectors

CRASH_LIMIT = 3  # refreshes in a row that crash before a source is paused (a poison feed)

log = logging.getLogger("wiredesk.ingest")


def _bounds(source: Source) -> schedule.Bounds:
    low = source.min_interval_seconds or settings.POLL["min_seconds"]
    return schedule.Bounds(min_seconds=float(low), max_seconds=float(max(low, settings.POLL["max_seconds"])))


def _record_failure(source: Source, exc: BaseException, *, code: str, now: dt.datetime, report: RefreshReport,
                    detail: str = "", new: int = 0) -> None:
    bounds = _bounds(source)
    message = f"{code}: {detail or exc}"[:2000]
    errors = source.consecutive_errors + 1
    changes = {
        "consecutive_errors": errors,
        "last_error": message,
        "last_error_at": now,
        "last_checked_at": now,
        "last_status": getattr(exc, "status", None),
        "lease_until": None,
        "lease_token": "",  # the refresh is over: a later delivery of its task does nothing
    }
    if source.consecutive_errors == 0 or source.failing_since is None:
        changes["failing_since"] = now
    if new:  # a refresh stopped by its time limit kept what it stored before
        changes["last_new_at"] = now
    crashes = source.consecutive_crashes + 1 if code == "internal_error" else 0
    changes["consecutive_crashes"] = crashes
    if code == "gone":
        changes.update(enabled=False, paused_reason=f"paused: the feed answered 410 Gone at {now:%Y-%m-%d %H:%M} UTC")
        wait = bounds.max_seconds
    elif code == "internal_error" and crashes >= CRASH_LIMIT:
        # A poison feed: every refresh of it crashes. Quarantined until an editor looks, not
        # retried for ever (reliability W2); the error stays on the source.
        changes.update(enabled=False, paused_reason=(
            f"paused: {crashes} refreshes in a row crashed (last at {now:%Y-%m-%d %H:%M} UTC); "
            "turn it back on once the cause is fixed"))
        wait = bounds.max_seconds
    elif code == "rate_limited":
        wait = schedule.interval_after_retry_after(retry_after=getattr(exc, "retry_after", None), bounds=bounds)
    else:
        wait = schedule.interval_after_error(consecutive_errors=errors, bounds=bounds)
    changes["next_check_at"] = now + dt.timedelta(seconds=wait)
    Source.objects.filter(id=source.id).update(**changes)
    source_day_count(source_id=source.id, at=now, error=True, new_items=new)
    if code == "rate_limited" and getattr(exc, "status", None) == 429:
        _hold_host(source, until=changes["next_check_at"])
    report.status, report.error = "error", message
    log.warning("source failed source_id=%s code=%s errors=%s next_in=%ds", source.id, code, errors, wait)


def _hold_host(source: Source, *, until: dt.datetime) -> int:
    """A 429 speaks for the whole host: its other feeds wait until the same moment.

    (A 503 or any other failure backs off only the feed that got it: one broken route of a
    big host must not hold the healthy ones back.)"""
    host = source.host
    if not host:
        return 0
    held = (Source.objects.filter(host=host, enabled=True).exclude(id=source.id)
            .filter(Q(next_check_at__isnull=True) | Q(next_check_at__lt=until)).update(next_check_at=until))
    if held:
        log.warning("host asked to slow down host=%s sources_held=%s until=%s", host, held, until.isoformat())
    return held


def _previous_interval(source: Source, now: dt.datetime) -> float | None:
    """How long the source was left alone before this poll: the longer of the time since the
    last poll and the interval then planned (a "refresh now" in between does not shrink it)."""
    if source.last_checked_at is None:
        return None
    planned = (source.next_check_at - source.last_checked_at).total_seconds() if source.next_check_at else 0.0
    return max((now - source.last_checked_at).total_seconds(), planned)


def _record_success(source: Source, *, now: dt.datetime, fetched, ttl: int | None, not_modified: bool,
                    new: int = 0, complete: bool = True) -> None:
    """``complete``: no write batch of the document was lost. A refresh that lost one (a
    transaction that failed) forgets the document's validators, so the next poll gets the
    whole document again and stores its items, rather than a 304 that would leave them out
    until the feed changes. An item that fails on its own (bad data: it would fail again)
    does not: the source keeps its conditional requests."""
    bounds = _bounds(source)
    published = story_selectors.recent_publication_times(source_id=source.id)
    wait = schedule.interval_after_success(
        published=published, bounds=bounds, now=now, previous=_previous_interval(source, now), ttl_seconds=ttl,
    )
    changes = {
        "consecutive_errors": 0,
        "consecutive_crashes": 0,
        "failing_since": None,
        "last_error": "",
        "last_checked_at": now,
        "last_success_at": now,
        "last_status": fetched.status,
        "next_check_at": now + dt.timedelta(seconds=wait),
        "lease_until": None,
        "lease_token": "",  # the refresh is over: a later delivery of its task does nothing
    }
    if not not_modified:
        # Stored verbatim and sent back verbatim (RFC 9110 13.1): only replaced when present.
        changes["etag"] = (fetched.etag or "")[:500] if complete else ""
        changes["last_modified"] = (fetched.last_modified or "")[:100] if complete else ""
    if new:
        changes["last_new_at"] = now
    moved = fetched.permanent_url
    if moved and moved != source.feed_url and not Source.objects.filter(feed_url=moved).exists():
        changes["feed_url"], changes["host"] = moved, feed_host(moved)  # the host's slots count it from now on
    Source.objects.filter(id=source.id).update(**changes)
    source_day_count(source_id=source.id, at=now, not_modified=not_modified, new_items=new, seconds=fetched.elapsed)


def source_refresh(*, source_id: int, client: GuardedClient | None = None, now: dt.datetime | None = None,
                   lease: str | None = None) -> RefreshReport:
    """Poll one source and store what is new or changed; never raises for a bad feed.

    ``lease``: the token of the grant a scheduled task stands for; the refresh runs only if
    the source still holds it (see source_lease_start). None: a refresh asked for directly
    (the CLI, a test), which runs whatever the schedule says."""
    report = RefreshReport(source_id=source_id)
    source = Source.objects.filter(id=source_id).first()
    if source is None or not source.enabled:
        if lease:  # paused while its refresh was queued: the slot goes back to its host now
            source_lease_free(source_id=source_id, lease=lease)
        report.status = "skipped"
        return report
    now = now or timezone.now()
    if lease is not None and not source_lease_start(source_id=source_id, lease=lease, now=now):
        # Delivered twice, or its lease ran out or was freed: another refresh has it in hand.
        log.info("refresh skipped: its lease is no longer held source_id=%s", source_id)
        report.status = "skipped"
        return report
    client = client or client_from_settings()
    try:
        with changes_batched():  # one new page generation per few seconds, not per item
            return _refresh(source, client=client, now=now, report=report)
    except TIME_LIMITS as exc:
        # The task's soft time limit: the refresh ends here, recorded and backed off like any
        # error; what it stored stays stored and indexed (one transaction per item).
        log.warning("source refresh stopped by its time limit source_id=%s", source.id, exc_info=True)
        detail = (f"stopped after {settings.REFRESH['soft_seconds']} s, the refresh's time limit; "
                  f"kept the {report.new} new and {report.updated} updated stories stored before it")
        _record_failure(source, exc, code="time_limit", now=now, report=report, detail=detail, new=report.new)
        return report
    except Exception as exc:  # a bug must not kill the worker or hide the source
        if isinstance(exc, StorageUnavailable) or database_unavailable(exc):
            # A full disk, a read-only or locked database: nothing half-written (each batch is
            # one transaction), and the next poll fetches what was not kept.
            log.error("source refresh stopped: the data could not be written source_id=%s error=%s", source.id, exc)
            detail = (f"the data could not be written ({exc}); what was not stored is fetched again on the next "
                      f"poll (stored before it: {report.new} new, {report.updated} updated)")
            code = "storage"
        else:
            log.exception("source refresh crashed source_id=%s", source.id)
            detail, code = "", "internal_error"
        try:
            _record_failure(source, exc, code=code, now=now, report=report, detail=detail, new=report.new)
        except DatabaseError as again:  # the error itself cannot be written down: said here and in the log
            log.error("source failure not recorded source_id=%s error=%s", source.id, again)
            report.status, report.error = "error", f"{code}: {detail or exc}"[:2000]
        return report


def source_refresh_killed(*, source_id: int, seconds: float, now: dt.datetime | None = None) -> RefreshReport:
    """Record a refresh that its hard time limit killed: the error on the source, the lease freed.

    The worker process that ran it is gone, so this runs in the worker that supervised it
    (Celery calls the task's failure hook there). What the refresh committed stays stored and
    indexed (index rows are written in the articles' transactions)."""
    report = RefreshReport(source_id=source_id)
    source = Source.objects.filter(id=source_id).first()
    if source is None:
        report.status = "skipped"
        return report
    detail = f"killed after {seconds:g} s, the refresh's hard time limit; what it committed before is kept"
    _record_failure(source, TimeoutError(detail), code="time_limit", now=now or timezone.now(), report=report,
                    detail=detail)
    return report


def _refresh(source: Source, *, client: GuardedClient, now: dt.datetime, report: RefreshReport) -> RefreshReport:
    try:
        fetched = client.get(
            source.feed_url,
            etag=source.etag or None,
            last_modified=source.last_modified or None,
            accept="application/rss+xml, application/atom+xml, application/feed+json, application/xml;q=0.9, */*;q=0.5",
        )
    except FetchError as exc:
        _record_failure(source, exc, code=exc.code, now=now, report=report)
        return report
    if fetched.not_modified:
        # RFC 9110 15.4.5: nothing changed upstream, so nothing is parsed or written.
        _record_success(source, now=now, fetched=fetched, ttl=None, not_modified=True)
        report.status = "not_modified"
        log.info("source not modified source_id=%s", source.id)
        return report
    try:
        feed = parse_feed(
            fetched.content,
            url=fetched.url,
            content_type=fetched.content_type,
            charset=fetched.charset,
            declared_format=source.format,
        )
    except ParseError as exc:
        _record_failure(source, exc, code=exc.code, now=now, report=report)
        return report
    store_items(source, feed.items, client=client, now=now, report=report)
    if feed.withdrawn:
        report.withdrawn += articles_gone_upstream(source=source, guids=feed.withdrawn, now=now,
                                                   how="its feed marks the item deleted")
    with transaction.atomic():
        _record_success(source, now=now, fetched=fetched, ttl=feed.ttl_seconds, not_modified=False, new=report.new,
                        complete=not report.batch_lost)
    report.notes.extend(feed.warnings)
    log.info(
        "source refreshed source_id=%s new=%s updated=%s unchanged=%s failed=%s",
        source.id, report.new, report.updated, report.unchanged, report.failed_items,
    )
    return report


def lease_length() -> dt.timedelta:
    """How long a leased source is held: longer than its refresh can possibly take.

    A refresh task not started within ``queue_seconds`` of its lease expires unrun, and one
    that starts runs for at most its hard time limit, so no second scheduler can lease a
    source whose refresh is still queued or running (see settings.REFRESH).
    """
    return dt.timedelta(seconds=settings.REFRESH["lease_seconds"])


def source_lease(*, source_id: int, now: dt.datetime) -> str:
    """Claim one source for a refresh now (an editor's "Refresh now"), due or not: the token
    its task carries, or "" when it is paused or its refresh is already queued or running."""
    token = uuid.uuid4().hex
    claimed = (
        Source.objects.filter(id=source_id, enabled=True)
        .exclude(lease_until__gt=now)
        .update(lease_until=now + lease_length(), lease_token=token)
    )
    return token if claimed == 1 else ""


GRANT_LIMIT = 500  # leases one grant gives at most (a tick's share of a large backlog)


def sources_grant(*, now: dt.datetime, per_host: int, host: str | None = None,
                  limit: int = GRANT_LIMIT) -> list[tuple[int, str]]:
    """Lease the sources that are due, never more than ``per_host`` leases per host counting
    those already out; return (source id, lease token) of each, the longest waiting first.

    One UPDATE picks and leases them, so two schedulers (or a scheduler and a worker filling
    a slot its refresh just freed) never lease past the limit: on PostgreSQL the grants take
    one advisory lock and skip rows other transactions hold (SKIP LOCKED); SQLite runs its
    writers one at a time. Each source waits since it was due: a never-fetched one since it
    was added, so a batch of new feeds does not starve the existing ones. ``host``: only
    that host's sources (a slot there was just freed).
    """
    token = uuid.uuid4().hex
    table = Source._meta.db_table
    postgres = connection.vendor == "postgresql"
    only_host = "AND host = %(host)s" if host is not None else ""
    sql = f"""
        WITH busy AS (
            SELECT host, COUNT(*) AS n FROM {table} WHERE lease_until > %(now)s GROUP BY host
        ), due AS (
            SELECT id, host, COALESCE(next_check_at, created_at) AS due_at FROM {table}
            WHERE enabled = %(yes)s AND kind = %(wire)s {only_host}
              AND (next_check_at IS NULL OR next_check_at <= %(now)s)
              AND (lease_until IS NULL OR lease_until <= %(now)s)
            {"FOR UPDATE SKIP LOCKED" if postgres else ""}
        ), ranked AS (
            SELECT due.id, due.due_at,
                   ROW_NUMBER() OVER (PARTITION BY due.host ORDER BY due.due_at, due.id) + COALESCE(busy.n, 0) AS slot
            FROM due LEFT JOIN busy ON busy.host = due.host
        )
        UPDATE {table} SET lease_until = %(until)s, lease_token = %(token)s
        WHERE id IN (SELECT id FROM ranked WHERE slot <= %(per_host)s ORDER BY due_at, id LIMIT %(limit)s)
    """
    stamp = connection.ops.adapt_datetimefield_value  # as the ORM writes the field on this database
    params = {"now": stamp(now), "yes": True, "wire": Source.Kind.WIRE, "host": host, "until": stamp(now + lease_length()),
              "token": token, "per_host": per_host, "limit": limit}
    with transaction.atomic():
        if postgres:  # a stuck lock holder fails this tick instead of stalling the scheduler
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL lock_timeout = '10s'")
        name_lock(scope="sources", name="grant")
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            if not cursor.rowcount:
                return []
        granted = (Source.objects.filter(lease_token=token)
                   .order_by(Coalesce("next_check_at", "created_at"), "id").values_list("id", flat=True))
        return [(source_id, token) for source_id in granted]


def source_lease_free(*, source_id: int, lease: str) -> bool:
    """Free a lease whose refresh will never run (its task expired in the queue)."""
    return bool(lease) and Source.objects.filter(id=source_id, lease_token=lease).update(
        lease_until=None, lease_token="") == 1


def source_lease_start(*, source_id: int, lease: str, now: dt.datetime) -> bool:
    """The refresh a lease stands for begins: True if the source still holds that lease.

    The token stays on the source until the refresh ends (its success or failure is recorded
    with the lease freed), so the same task delivered again after it ended does nothing,
    while a task handed back by a worker that died during it runs again at once; one whose
    lease ran out, was granted again or was freed by a refresh asked for directly does
    nothing. The lease is renewed for the refresh's length as it starts."""
    if not lease:
        return False
    return Source.objects.filter(id=source_id, lease_token=lease, lease_until__gt=now).update(
        lease_until=now + lease_length()) == 1

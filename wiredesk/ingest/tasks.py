"""Celery tasks: thin wrappers that take ids and call one service."""

from __future__ import annotations

from contextvars import ContextVar

from celery import shared_task
from celery.contrib.django.task import DjangoTask
from celery.exceptions import TimeLimitExceeded
from celery.signals import task_revoked
from django.conf import settings
from django.utils import timezone

from wiredesk.core.outbox import enqueue
from wiredesk.ingest.services import source_lease_free, source_refresh, source_refresh_killed, sources_grant
from wiredesk.ingest.withdrawals import articles_recheck
from wiredesk.sources.models import Source


# The soft limit raises inside source_refresh, which ends the refresh there, records it on the
# source as a `time_limit` error and returns: the task succeeds and is acknowledged, so it is
# not delivered again (the source's backed-off next check retries it). A worker killed by the
# hard limit is acknowledged too (acks_on_timeout): a refresh that outran both limits would
# outrun them again. A worker lost otherwise (killed, out of memory) hands the task back
# (acks_late): its lease token is still on the source (a refresh frees it when it ends), so the
# redelivery runs the refresh again at once. A task not started within queue_seconds of being
# queued expires unrun (its lease is then freed), so the lease always outlives it
# (settings.REFRESH).
class _RefreshTask(DjangoTask):  # the app's task class (project/celery.py), plus a hook
    def on_failure(self, exc, task_id, args, kwargs, einfo):
        # The hard limit: Celery calls this in the supervising worker process after killing the
        # one that ran the refresh, so the source is told why rather than waiting out its lease.
        if isinstance(exc, TimeLimitExceeded) and args:
            source_refresh_killed(source_id=int(args[0]), seconds=settings.REFRESH["hard_seconds"])


@shared_task(
    base=_RefreshTask,
    acks_late=True, acks_on_timeout=True, reject_on_worker_lost=True, ignore_result=True,
    soft_time_limit=settings.REFRESH["soft_seconds"], time_limit=settings.REFRESH["hard_seconds"],
)
def refresh_source(source_id: int, lease: str | None = None) -> dict:
    """One granted refresh (``lease``: its grant's token; a message from before tokens has
    none and runs as it did), then the slot it frees goes to the host's next due source."""
    report = source_refresh(source_id=source_id, lease=lease)
    if lease is not None:  # ended, skipped or stale: a grant fills whatever slot is free
        _refill(source_id)
    return report.as_dict()


@task_revoked.connect
def _expired_refresh_frees_its_lease(sender=None, request=None, expired=False, **kwargs) -> None:
    """A refresh task that expired in the queue (no worker free within queue_seconds) will
    never run: its lease is freed and its host's slot granted again, at once rather than
    when the lease runs out."""
    if not expired or getattr(sender, "name", sender) != refresh_source.name:
        return
    args = list(getattr(request, "args", None) or [])
    if len(args) >= 2 and args[1] and source_lease_free(source_id=int(args[0]), lease=str(args[1])):
        _refill(int(args[0]))


def dispatch(*, host: str | None = None) -> int:
    """Grant the free slots (of every host, or of one) to due sources; queue a refresh each."""
    granted = sources_grant(now=timezone.now(), per_host=settings.FETCH["per_host"], host=host)
    for source_id, token in granted:
        enqueue(refresh_source, args=(source_id, token), expires=settings.REFRESH["queue_seconds"])
    return len(granted)


# Hosts whose slot was freed while a refill was already running in this context: eager tasks
# (tests, one-off scripts) run inside the call that queues them, so a refill's refresh would
# refill again from within it. Those wait here and are served in turn, not by recursion.
_refilling: ContextVar[list | None] = ContextVar("wiredesk_refilling", default=None)


def _refill(source_id: int) -> None:
    host = Source.objects.filter(id=source_id).values_list("host", flat=True).first()
    if host is None:
        return
    pending = _refilling.get()
    if pending is not None:
        pending.append(host)
        return
    pending = [host]
    token = _refilling.set(pending)
    try:
        while pending:
            dispatch(host=pending.pop(0))
    finally:
        _refilling.reset(token)


@shared_task(ignore_result=True)
def enqueue_due_sources() -> int:
    """The scheduler's tick (run inside the scheduler's own process, see core.beat): every
    host's free slots to its due sources. Between ticks, each refresh that ends fills its
    own slot, so a host is kept busy up to its limit whatever the tick's period."""
    return dispatch()


@shared_task(ignore_result=True, soft_time_limit=120, time_limit=150)
def recheck_withdrawals() -> dict:
    """Beat: fetch again the pages of recent articles due a check (ingest.withdrawals)."""
    report = articles_recheck(now=timezone.now())
    return {"checked": report.checked, "gone": report.gone, "unanswered": report.unanswered}

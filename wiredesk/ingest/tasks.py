"""Celery tasks: thin wrappers that take ids and call one service."""

from __future__ import annotations

from celery import shared_task
from celery.contrib.django.task import DjangoTask
from celery.exceptions import TimeLimitExceeded
from django.conf import settings
from django.utils import timezone

from wiredesk.core.outbox import enqueue
from wiredesk.ingest.services import source_lease, source_refresh, source_refresh_killed
from wiredesk.ingest.withdrawals import articles_recheck
from wiredesk.sources.selectors import sources_due


# The soft limit raises inside source_refresh, which ends the refresh there, records it on the
# source as a `time_limit` error and returns: the task succeeds and is acknowledged, so it is
# not delivered again (the source's backed-off next check retries it). A worker killed by the
# hard limit is acknowledged too (acks_on_timeout): a refresh that outran both limits would
# outrun them again. A worker lost otherwise (killed, out of memory) hands the task back
# (acks_late), and a refresh is idempotent; a task not started within queue_seconds of being
# queued expires unrun, so the lease always outlives it (settings.REFRESH).
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
def refresh_source(source_id: int) -> dict:
    return source_refresh(source_id=source_id).as_dict()


@shared_task(ignore_result=True)
def enqueue_due_sources() -> int:
    """Beat tick: lease the sources that are due and enqueue one refresh each."""
    now = timezone.now()
    count = 0
    for source in sources_due(now=now, per_host=settings.FETCH["per_host"]):
        if source_lease(source_id=source.id, now=now):
            enqueue(refresh_source, args=(source.id,), expires=settings.REFRESH["queue_seconds"])
            count += 1
    return count


@shared_task(ignore_result=True, soft_time_limit=120, time_limit=150)
def recheck_withdrawals() -> dict:
    """Beat: fetch again the pages of recent articles due a check (ingest.withdrawals)."""
    report = articles_recheck(now=timezone.now())
    return {"checked": report.checked, "gone": report.gone, "unanswered": report.unanswered}

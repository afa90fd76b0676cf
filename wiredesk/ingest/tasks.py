"""Celery tasks: thin wrappers that take ids and call one service."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from wiredesk.ingest.services import source_lease, source_refresh
from wiredesk.sources.selectors import sources_due


# Refreshing is idempotent, so a refresh lost with a killed worker is simply delivered again.
# The soft limit raises inside source_refresh, which records it on the source as an error.
@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True, soft_time_limit=600, time_limit=660)
def refresh_source(source_id: int) -> dict:
    return source_refresh(source_id=source_id).as_dict()


@shared_task(ignore_result=True)
def enqueue_due_sources() -> int:
    """Beat tick: lease the sources that are due and enqueue one refresh each."""
    now = timezone.now()
    count = 0
    for source in sources_due(now=now, per_host=settings.FETCH["per_host"]):
        if source_lease(source_id=source.id, now=now):
            refresh_source.delay_on_commit(source.id)
            count += 1
    return count

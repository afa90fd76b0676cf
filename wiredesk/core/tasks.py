"""Celery tasks of the runtime itself."""

from __future__ import annotations

import time

from celery import shared_task
from celery.signals import before_task_publish, task_postrun, task_prerun

from wiredesk.core.heartbeat import beat

SENT_HEADER = "wiredesk_sent_at"  # when a task was queued (the health page's oldest waiting task)


@shared_task(name="wiredesk.core.tasks.heartbeat", ignore_result=True)
def heartbeat() -> None:
    """Run by whichever pool process is free: an idle worker is still taking tasks."""
    beat("worker")


@task_prerun.connect
@task_postrun.connect
def _task_progress(**_kwargs) -> None:
    # Every task a pool process starts or finishes is progress: a worker busy with a backlog
    # (where the heartbeat task waits behind refreshes and expires unrun) is not frozen.
    beat("worker")


@before_task_publish.connect
def _stamp(headers=None, **_kwargs) -> None:
    if headers is not None:
        headers.setdefault(SENT_HEADER, time.time())

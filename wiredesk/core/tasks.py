"""Celery tasks of the runtime itself."""

from __future__ import annotations

import time

from celery import shared_task
from celery.signals import before_task_publish, worker_ready

from wiredesk.core.heartbeat import beat

SENT_HEADER = "wiredesk_sent_at"  # when a task was queued (the health page's oldest waiting task)


@shared_task(name="wiredesk.core.tasks.heartbeat", ignore_result=True)
def heartbeat() -> None:
    """Run by whichever pool process is free: the worker is taking tasks."""
    beat("worker")


@worker_ready.connect
def _worker_ready(**_kwargs) -> None:
    beat("worker")


@before_task_publish.connect
def _stamp(headers=None, **_kwargs) -> None:
    if headers is not None:
        headers.setdefault(SENT_HEADER, time.time())

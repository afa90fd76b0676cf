"""Queuing tasks after a commit without losing them while the broker is down.

Every task the application queues goes through ``enqueue``: it is sent once the current
transaction commits (a worker never looks for a row that is not committed yet). If the
broker cannot take it (Redis or RabbitMQ down, a full disk under the embedded broker), the
task is kept as an ``OutboxTask`` row instead of being dropped, and ``outbox_flush``, which
the scheduler runs every tick, sends the rows again in the order they were kept once the
broker answers. A task whose ``expires`` passed while it waited is dropped there, as the
broker would have dropped it. Whoever asked (a reader signing up, a business sending a
release) gets their answer either way.

A flush sends a row and then deletes it, holding no transaction while the broker is asked;
a process killed between the two, or two flushes at once, may send a row twice (at least
once, like the broker itself). The scheduler runs one flush a tick.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging

from celery import current_app  # the wiredesk app: Celery's Django fix-up makes it the default

from django.db import transaction
from django.utils import timezone

from wiredesk.core.models import OutboxTask

log = logging.getLogger("wiredesk.outbox")


def _send(name: str, args, kwargs, expires: float | None) -> None:
    task = current_app.tasks.get(name)
    if task is None:  # a process that has not imported the tasks' modules yet (a flush)
        current_app.loader.import_default_modules()
        task = current_app.tasks.get(name)
    if task is None:
        current_app.send_task(name, args=list(args), kwargs=dict(kwargs or {}), expires=expires)
    else:
        task.apply_async(args=list(args), kwargs=dict(kwargs or {}), expires=expires)


def _eager() -> bool:
    return bool(current_app.conf.task_always_eager)


def _publish_or_keep(task_name: str, *, args, kwargs, expires: float | None) -> None:
    if _eager():  # run here and now (tests, one-off scripts): nothing is published
        _send(task_name, args, kwargs, expires)
        return
    try:
        _send(task_name, args, kwargs, expires)
    except Exception as exc:  # whatever the broker's client raises, the task must not be lost
        OutboxTask.objects.create(
            name=task_name, args=list(args), kwargs=dict(kwargs or {}), created_at=timezone.now(),
            expires_at=timezone.now() + dt.timedelta(seconds=expires) if expires else None,
            last_error=f"{type(exc).__name__}: {exc}"[:300],
        )
        log.warning("task kept in the outbox until the broker answers task=%s error=%s", task_name, type(exc).__name__)


def enqueue(task, *, args=(), kwargs=None, expires: float | None = None, robust: bool = False) -> None:
    """Queue ``task`` (a task, or its registered name) when the current transaction commits (at
    once outside one). By name, a service queues work without importing the tasks module that
    calls it back (each app's queue.py).

    ``robust``: an error raised while queuing (in eager mode, by the task itself) is logged
    instead of reaching the caller, as for an email whose request already succeeded.
    """
    name = task if isinstance(task, str) else task.name
    args, kwargs = tuple(args), dict(kwargs or {})
    # A partial, not a lambda: its repr names the task (on-commit callbacks are listed in tests and logs).
    transaction.on_commit(functools.partial(_publish_or_keep, name, args=args, kwargs=kwargs, expires=expires), robust=robust)


def outbox_flush(*, limit: int = 500, now: dt.datetime | None = None) -> int:
    """Send the kept tasks, oldest first, until the broker refuses one; returns how many were sent.

    No transaction is held while the broker is asked (on SQLite that would hold every other
    writer for as long as a broker that is down takes to refuse): a row is read, sent, then
    deleted. Two flushes at once could both send a row (at least once, like the broker).
    """
    now = now or timezone.now()
    sent = 0
    last_id = 0
    while sent < limit:
        row = OutboxTask.objects.filter(id__gt=last_id).order_by("id").first()
        if row is None:
            return sent
        last_id = row.id
        if row.expires_at is not None and row.expires_at <= now:
            OutboxTask.objects.filter(pk=row.pk).delete()
            log.info("outbox task expired unsent task=%s", row.name)
            continue
        remaining = (row.expires_at - now).total_seconds() if row.expires_at else None
        try:
            _send(row.name, row.args, row.kwargs, remaining)
        except Exception as exc:
            log.warning("outbox: the broker still refuses tasks error=%s", type(exc).__name__)
            OutboxTask.objects.filter(pk=row.pk).update(attempts=row.attempts + 1,
                                                        last_error=f"{type(exc).__name__}: {exc}"[:300])
            return sent
        if OutboxTask.objects.filter(pk=row.pk).delete()[0]:
            sent += 1
    return sent


def outbox_size() -> int:
    return OutboxTask.objects.count()

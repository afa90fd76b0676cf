"""Celery tasks and signal handlers of the runtime itself: heartbeats, queue stamps, time limits."""

from __future__ import annotations

import logging
import os
import signal
import threading
import time

from celery import shared_task
from celery.concurrency.solo import TaskPool as SoloPool
from celery.exceptions import SoftTimeLimitExceeded, TimeLimitExceeded
from celery.signals import before_task_publish, task_postrun, task_prerun, worker_init

from wiredesk.core.heartbeat import progress

log = logging.getLogger("wiredesk.worker")

SENT_HEADER = "wiredesk_sent_at"  # when a task was queued (the health page's oldest waiting task)
EXIT_HARD_LIMIT = 70  # a solo worker's exit status when a task outran its hard time limit


@shared_task(name="wiredesk.core.tasks.heartbeat", ignore_result=True)
def heartbeat() -> None:
    """Queued every tick: a worker that runs it is still taking tasks."""
    progress(every=0)


@shared_task(name="wiredesk.core.tasks.outbox_flush", ignore_result=True)
def outbox_flush() -> int:
    """Queued every tick: send the tasks kept while the broker was away (core.outbox)."""
    from wiredesk.core.outbox import outbox_flush as flush

    return flush()


@before_task_publish.connect
def _stamp(headers=None, **_kwargs) -> None:
    if headers is not None:
        headers.setdefault(SENT_HEADER, time.time())


# --- time limits in a one-process (solo) worker ------------------------------------------------
# The embedded broker runs each worker as one process that runs its tasks itself (docs/
# architecture.md, "The embedded broker"). Celery enforces time limits only in its prefork
# pool, so here they are enforced the same way from inside: the soft limit raises
# SoftTimeLimitExceeded in the task (a timer signal, as billiard's pool does with SIGUSR1),
# and the hard limit, if the task is still running, acknowledges the task as Celery does
# (acks_on_failure_or_timeout), calls the task's on_failure with TimeLimitExceeded, and ends
# the process, which `wiredesk run` starts again.

_solo = False
_watch: threading.Event | None = None


@worker_init.connect
def _note_pool(sender=None, **_kwargs) -> None:
    global _solo
    pool = getattr(sender, "pool_cls", None)
    _solo = isinstance(pool, type) and issubclass(pool, SoloPool)


def _limits(task) -> tuple[float | None, float | None]:
    hard, soft = tuple(task.request.timelimit or (None, None))[:2] or (None, None)
    return (hard or task.time_limit), (soft or task.soft_time_limit)


def _soft_limit(signum, frame) -> None:
    raise SoftTimeLimitExceeded()


def _hard_limit(done: threading.Event, seconds: float, task, task_id, args, kwargs) -> None:
    if done.wait(seconds):
        return
    log.error("task %s (%s) outran its hard time limit of %g s; the worker process ends", task.name, task_id, seconds)
    try:
        from wiredesk.core.broker import acknowledge_task, is_embedded

        url = task.app.conf.broker_url or ""
        if getattr(task, "acks_on_failure_or_timeout", True) and is_embedded(url):
            acknowledge_task(url, task_id)
        task.on_failure(TimeLimitExceeded(seconds), task_id, tuple(args or ()), dict(kwargs or {}), None)
    except Exception:
        log.exception("the hard time limit's clean-up failed")
    finally:
        os._exit(EXIT_HARD_LIMIT)


@task_prerun.connect
def _task_started(task_id=None, task=None, args=None, kwargs=None, **_kwargs) -> None:
    global _watch
    progress(every=0)  # every task a worker starts is progress
    if not _solo or task is None or task.request.is_eager:
        return
    hard, soft = _limits(task)
    if soft:
        signal.signal(signal.SIGALRM, _soft_limit)
        signal.setitimer(signal.ITIMER_REAL, float(soft))
    if hard:
        _watch = threading.Event()
        threading.Thread(target=_hard_limit, args=(_watch, float(hard), task, task_id, args, kwargs),
                         name="hard-time-limit", daemon=True).start()


@task_postrun.connect
def _task_finished(**_kwargs) -> None:
    global _watch
    progress(every=0)
    if _solo:
        signal.setitimer(signal.ITIMER_REAL, 0)
        if _watch is not None:
            _watch.set()
            _watch = None

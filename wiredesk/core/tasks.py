"""Celery tasks and signal handlers of the runtime itself: heartbeats, queue stamps, time limits."""

from __future__ import annotations

import faulthandler
import logging
import os
import signal
import sys
import threading
import time

from celery import shared_task
from celery.concurrency.solo import TaskPool as SoloPool
from celery.exceptions import SoftTimeLimitExceeded, TimeLimitExceeded
from celery.signals import before_task_publish, task_postrun, task_prerun, worker_init
from django.db import close_old_connections

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
# pool, so here they are enforced from inside, in three layers:
# - the soft limit raises SoftTimeLimitExceeded in the task (a timer signal, as billiard's
#   pool does with SIGUSR1);
# - at the hard limit a watchdog thread acknowledges the task as Celery does
#   (acks_on_failure_or_timeout), calls its on_failure with TimeLimitExceeded and ends the
#   process with EXIT_HARD_LIMIT; `wiredesk run` starts a new one;
# - both need the interpreter: a task stuck inside C code that keeps it (a runaway regular
#   expression) holds them off. So faulthandler's own watchdog, a C thread that needs no
#   interpreter, ends the process HARD_BACKSTOP seconds after the hard limit, printing where
#   every thread was. The task then comes back from the broker like one of a killed worker,
#   and the broker sets it aside after its fifth delivery (core.broker.MAX_DELIVERIES).

HARD_BACKSTOP = 15.0

_solo = False
_watch: tuple[threading.Event, str] | None = None  # the running task's watchdog and its task id


@worker_init.connect
def _note_pool(sender=None, **_kwargs) -> None:
    global _solo
    pool = getattr(sender, "pool_cls", None)
    _solo = isinstance(pool, type) and issubclass(pool, SoloPool)


def _limits(task) -> tuple[float | None, float | None]:
    hard, soft = (list(task.request.timelimit or ()) + [None, None])[:2]
    return (hard or task.time_limit), (soft or task.soft_time_limit)


def _soft_limit(signum, frame) -> None:
    if _watch is None:  # a timer that fired as its task was ending: nothing to stop
        return
    raise SoftTimeLimitExceeded()


def _hard_limit(done: threading.Event, seconds: float, task, task_id, args, kwargs) -> None:
    if done.wait(seconds):
        return
    current = _watch
    if current is not None and current[1] != task_id:  # that task ended; another one runs now
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


def _connections_as_after_a_request(task) -> None:
    """Close the database connections Django would close at the end of a request (past
    CONN_MAX_AGE, or unusable); the others serve the next task (settings.CELERY_DB_REUSE_MAX).
    Not for a task run eagerly inside a request or a test: its connection is theirs."""
    if task is not None and not task.request.is_eager:
        close_old_connections()


@task_prerun.connect
def _task_started(task_id=None, task=None, args=None, kwargs=None, **_kwargs) -> None:
    global _watch
    progress(every=0)  # every task a worker starts is progress
    _connections_as_after_a_request(task)
    if not _solo or task is None or task.request.is_eager:
        return
    hard, soft = _limits(task)
    if not (hard or soft):
        return
    event = threading.Event()
    _watch = (event, task_id)
    if soft:
        signal.signal(signal.SIGALRM, _soft_limit)
        signal.setitimer(signal.ITIMER_REAL, float(soft))
    if hard:
        threading.Thread(target=_hard_limit, args=(event, float(hard), task, task_id, args, kwargs),
                         name="hard-time-limit", daemon=True).start()
        try:
            # To the process's real stderr: a worker's sys.stderr is Celery's logging proxy,
            # which has no file descriptor for a C thread to write to.
            faulthandler.dump_traceback_later(float(hard) + HARD_BACKSTOP, exit=True, file=sys.__stderr__)
        except (AttributeError, ValueError, OSError) as exc:  # no stderr at all: the watchdog thread remains
            log.warning("no backstop for the hard time limit: %s", exc)


@task_postrun.connect
def _task_finished(task=None, **_kwargs) -> None:
    global _watch
    progress(every=0)
    _connections_as_after_a_request(task)
    if not _solo or (task is not None and task.request.is_eager):
        return
    current, _watch = _watch, None  # first: a timer signal arriving now finds nothing to stop
    signal.setitimer(signal.ITIMER_REAL, 0)
    faulthandler.cancel_dump_traceback_later()
    if current is not None:
        current[0].set()

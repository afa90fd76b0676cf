"""The scheduler's beat: a heartbeat on every tick, and the ingest tick run in its own process.

`wiredesk run` restarts a scheduler that stopped ticking (the heartbeat). The tick that grants
due sources to free slots (ingest.tasks.enqueue_due_sources) runs here rather than through the
broker: queued, it waited behind the very refreshes it was to schedule, expired, then bunched
up; here it runs on time, one at a time, and takes a few milliseconds. Two schedulers started
by mistake both tick, which is harmless: each grant is one atomic statement.
"""

from __future__ import annotations

import logging

from celery.beat import PersistentScheduler
from django.db import close_old_connections, connection

from wiredesk.core.heartbeat import progress

log = logging.getLogger("wiredesk.scheduler")

IN_PROCESS = frozenset({"wiredesk.ingest.tasks.enqueue_due_sources"})


class HeartbeatScheduler(PersistentScheduler):
    """Celery's file-backed beat scheduler, touching the scheduler's heartbeat on every tick."""

    def tick(self, *args, **kwargs):
        progress()
        return super().tick(*args, **kwargs)

    def apply_async(self, entry, producer=None, advance=True, **kwargs):
        if entry.task not in IN_PROCESS:
            return super().apply_async(entry, producer=producer, advance=advance, **kwargs)
        entry = self.reserve(entry) if advance else entry
        task = self.app.tasks.get(entry.task)
        if task is None:  # the tasks' modules not imported yet in this process
            self.app.loader.import_default_modules()
            task = self.app.tasks[entry.task]
        _close_old_connections()  # a connection the database dropped since the last tick
        try:
            granted = task.run()
            log.info("tick granted=%s", granted)
        except Exception:  # the next tick tries again; the scheduler keeps running
            log.exception("tick failed task=%s", entry.task)
        finally:
            _close_old_connections()
        return None


def _close_old_connections() -> None:
    if not connection.in_atomic_block:  # never a connection in the middle of a transaction
        close_old_connections()

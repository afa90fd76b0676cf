"""The scheduler's beat with a heartbeat: `wiredesk run` restarts a scheduler that stopped ticking."""

from __future__ import annotations

from celery.beat import PersistentScheduler

from wiredesk.core.heartbeat import progress


class HeartbeatScheduler(PersistentScheduler):
    """Celery's file-backed beat scheduler, touching the scheduler's heartbeat on every tick."""

    def tick(self, *args, **kwargs):
        progress()
        return super().tick(*args, **kwargs)

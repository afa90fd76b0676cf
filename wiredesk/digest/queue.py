"""The work the daily email queues, by task name: the services queue it from here without
importing wiredesk.digest.tasks, whose tasks call those services (no import cycle).
tests/digest/test_queue.py holds each name to a registered task."""

from __future__ import annotations

from wiredesk.core.outbox import enqueue

CONFIRMATION_TASK = "wiredesk.digest.tasks.send_confirmation_email"
EDITION_TASK = "wiredesk.digest.tasks.send_edition"


def confirmation_send_later(*, subscriber_id: int) -> None:
    """Send the sign-up confirmation once the current transaction commits (an email whose
    request already succeeded: a queueing error is logged, not raised)."""
    enqueue(CONFIRMATION_TASK, args=(subscriber_id,), robust=True)


def edition_send_later(*, edition_id: int) -> None:
    """Send (or resume) an edition once the current transaction commits."""
    enqueue(EDITION_TASK, args=(edition_id,))

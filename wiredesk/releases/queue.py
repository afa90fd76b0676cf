"""The work news releases queue, by task name: the services queue it from here without
importing wiredesk.releases.tasks, whose tasks call those services (no import cycle).
tests/digest/test_queue.py holds each name to a registered task."""

from __future__ import annotations

from wiredesk.core.outbox import enqueue

VERIFICATION_TASK = "wiredesk.releases.tasks.send_verification_email"
DECISION_TASK = "wiredesk.releases.tasks.send_decision_email"


def verification_send_later(*, submission_id: int) -> None:
    """Email the submitter's verification link once the current transaction commits."""
    enqueue(VERIFICATION_TASK, args=(submission_id,), robust=True)


def decision_send_later(*, submission_id: int) -> None:
    """Email the moderator's decision once the current transaction commits."""
    enqueue(DECISION_TASK, args=(submission_id,), robust=True)

"""What is waiting in the task queue: its depth and how long its oldest task has waited.

Read for the admin's health page. The depth comes through kombu, whatever the broker; the
oldest task's wait is read where the broker lets a message be looked at without taking it
(the embedded SQLite broker, Redis), from the time stamp every task gets when it is queued
(core.tasks). Nothing here takes, changes or acknowledges a message.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass

from kombu.exceptions import ChannelError

from wiredesk.core.broker import is_embedded, oldest_waiting
from wiredesk.core.tasks import SENT_HEADER


@dataclass(frozen=True)
class QueueState:
    name: str
    depth: int | None = None  # messages waiting (None: the broker could not be asked)
    oldest_wait: float | None = None  # seconds the oldest waiting task has waited
    error: str = ""


def _sent_at(payload: str | bytes | dict | None) -> float | None:
    if not payload:
        return None
    try:
        message = payload if isinstance(payload, dict) else json.loads(payload)
        value = (message.get("headers") or {}).get(SENT_HEADER)
        return float(value) if value is not None else None
    except (ValueError, TypeError, AttributeError):
        return None


def queue_state(app, queue: str = "") -> QueueState:
    """Depth and oldest wait of ``queue`` (default: the app's task queue, WIREDESK_QUEUE) on
    ``app``'s broker (read-only, a few milliseconds)."""
    queue = queue or app.conf.task_default_queue
    url = app.conf.broker_url or ""
    try:
        with app.connection_for_read() as conn:
            conn.ensure_connection(max_retries=1, timeout=3)
            channel = conn.default_channel
            try:
                _, depth, _ = channel.queue_declare(queue=queue, passive=True)
            except ChannelError as exc:
                # Redis removes a list once it is empty, and a passive declare then answers
                # "not found": nothing waits. Any other refusal is the broker's to report.
                if "NOT_FOUND" not in str(exc).upper() and "404" not in str(exc):
                    raise
                depth = 0
            oldest = None
            if is_embedded(url):
                oldest = _sent_at(oldest_waiting(url, queue)) if depth else None
            elif url.startswith(("redis://", "rediss://")) and depth:
                oldest = _sent_at(channel.client.lindex(queue, -1))  # LPUSH in, BRPOP out: the right end waited longest
    except Exception as exc:  # a broker that is down is what the page is for
        return QueueState(queue, error=f"{type(exc).__name__}: {exc}"[:200])
    return QueueState(queue, depth=int(depth), oldest_wait=max(0.0, time.time() - oldest) if oldest else None)

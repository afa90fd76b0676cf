"""What is waiting in the task queue: its depth and how long its oldest task has waited.

Read for the admin's health page. The depth comes through kombu, whatever the broker; the
oldest task's wait is read where the broker lets a message be looked at without taking it
(the embedded SQLite broker, Redis), from the time stamp every task gets when it is queued
(core.tasks). Nothing here takes, changes or acknowledges a message.
"""

from __future__ import annotations

import json
import sqlite3
import time
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from kombu.exceptions import ChannelError

from wiredesk.core.tasks import SENT_HEADER

DEFAULT_QUEUE = "celery"


@dataclass(frozen=True)
class QueueState:
    name: str
    depth: int | None = None  # messages waiting (None: the broker could not be asked)
    oldest_wait: float | None = None  # seconds the oldest waiting task has waited
    error: str = ""


def _sent_at(payload: str | bytes | None) -> float | None:
    if not payload:
        return None
    try:
        headers = json.loads(payload).get("headers") or {}
        value = headers.get(SENT_HEADER)
        return float(value) if value is not None else None
    except (ValueError, TypeError, AttributeError):
        return None


def _oldest_sqlite(url: str, queue: str) -> float | None:
    path = unquote(urlsplit(url.removeprefix("sqla+")).path)
    if path.startswith("//"):
        path = path[1:]
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=2)
    except sqlite3.Error:
        return None
    try:
        row = conn.execute(
            "SELECT m.payload FROM kombu_message m JOIN kombu_queue q ON q.id = m.queue_id "
            "WHERE q.name = ? AND m.visible = 1 ORDER BY m.timestamp, m.id LIMIT 1", (queue,),
        ).fetchone()
    except sqlite3.Error:
        return None
    finally:
        conn.close()
    return _sent_at(row[0]) if row else None


def queue_state(app, queue: str = DEFAULT_QUEUE) -> QueueState:
    """Depth and oldest wait of ``queue`` on ``app``'s broker (read-only, a few milliseconds)."""
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
            if url.startswith("sqla+sqlite"):
                oldest = _oldest_sqlite(url, queue) if depth else None
            elif url.startswith(("redis://", "rediss://")) and depth:
                oldest = _sent_at(channel.client.lindex(queue, -1))  # LPUSH in, BRPOP out: the right end waited longest
    except Exception as exc:  # a broker that is down is what the page is for
        return QueueState(queue, error=f"{type(exc).__name__}: {exc}"[:200])
    return QueueState(queue, depth=int(depth), oldest_wait=max(0.0, time.time() - oldest) if oldest else None)

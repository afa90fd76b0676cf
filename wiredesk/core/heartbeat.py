"""Heartbeats: files the long-running processes touch while they make progress.

`wiredesk run` (core.processes.supervise) gives each process it watches a heartbeat file,
named in the process's ``WIREDESK_HEARTBEAT_FILE`` environment variable, restarts a process
whose heartbeat went stale, and writes what it sees of each process to ``status.json`` in
``<data dir>/run/``, which the admin's health page reads.

- worker: touched when a task starts or ends, and on the embedded broker at every poll of
  the queue (core.broker): a worker that polls or finishes tasks is not frozen. Long loops
  inside a task (the digest's sending) call ``progress()`` as they go.
- scheduler: touched on every tick of the beat scheduler (core.beat).
- web: the supervisor asks the server for a page itself (a response counts, whatever status).

A process started by hand (no variable) touches nothing: ``progress()`` costs nothing there.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from django.conf import settings

STATUS = "status.json"


def run_dir() -> Path:
    folder = Path(settings.DATA_DIR) / "run"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def heartbeat_path(name: str) -> Path:
    return run_dir() / f"{name}.heartbeat"


HEARTBEAT_ENV = "WIREDESK_HEARTBEAT_FILE"
_last_progress = 0.0


def progress(*, every: float = 1.0) -> None:
    """Say that this process made progress (at most one file touch per ``every`` seconds)."""
    global _last_progress
    path = os.environ.get(HEARTBEAT_ENV)
    if not path:
        return
    now = time.monotonic()
    if now - _last_progress < every:
        return
    _last_progress = now
    try:
        os.utime(path)
    except FileNotFoundError:
        try:
            Path(path).touch()
        except OSError:
            pass
    except OSError:  # a full or read-only disk must not stop the work itself
        pass


def last_beat(path: str | Path) -> float | None:
    """When a heartbeat file was last touched (epoch seconds), or None if never."""
    try:
        return os.stat(path).st_mtime
    except OSError:
        return None


def write_status(path: Path, status: dict) -> None:
    """Replace the supervisor's status file in one step (readers never see half of it)."""
    tmp = path.with_name(path.name + ".tmp")
    try:
        tmp.write_text(json.dumps(status, indent=1, sort_keys=True))
        os.replace(tmp, path)
    except OSError:
        pass


def read_status() -> dict | None:
    """The supervisor's last status, with its age in seconds; None when there is none."""
    path = run_dir() / STATUS
    try:
        status = json.loads(path.read_text())
        status["age"] = max(0.0, time.time() - path.stat().st_mtime)
        return status
    except (OSError, ValueError):
        return None

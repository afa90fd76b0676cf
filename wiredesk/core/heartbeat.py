"""Heartbeats: files the long-running processes touch while they make progress.

`wiredesk run` (core.processes.supervise) restarts a process whose heartbeat went stale, and
writes what it sees of each process to ``status.json`` in the same folder, which the admin's
health page reads. Everything lives in ``<data dir>/run/``.

- worker: touched by the ``heartbeat`` task (core.tasks), which the scheduler queues every
  tick like any other task: it is only touched when a pool process is free to run it, so a
  pool that stopped taking tasks stops it.
- scheduler: touched on every tick of the beat scheduler (core.beat).
- web: the supervisor asks the server for a page itself (a response counts, whatever status).
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


def beat(name: str) -> None:
    """Say that process ``name`` made progress just now."""
    # Runs at every task's start and end: one utime call, the folder and file made only once.
    path = Path(settings.DATA_DIR) / "run" / f"{name}.heartbeat"
    try:
        os.utime(path)
    except FileNotFoundError:
        try:
            heartbeat_path(name).touch()
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

"""Command lines of the long-running processes and a small supervisor for `wiredesk run`."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass

from django.conf import settings


@dataclass(frozen=True)
class Proc:
    name: str
    argv: list[str]


def web_argv(*, bind: str | None = None, port: int | None = None, workers: int = 2) -> list[str]:
    """gunicorn managing uvicorn workers that serve the ASGI app (the production server).

    No access log: it would hold readers' addresses; the proxy in front keeps the request log.
    """
    return [
        sys.executable, "-m", "gunicorn", "wiredesk.project.asgi:application",
        "--worker-class", "wiredesk.project.web_worker.WebWorker",
        "--bind", f"{bind or settings.WIREDESK_BIND}:{port or settings.WIREDESK_PORT}",
        "--workers", str(workers), "--graceful-timeout", "10",
    ]


def worker_argv(*, concurrency: int = 2) -> list[str]:
    """A Celery worker consuming every queue."""
    return [
        sys.executable, "-m", "celery", "-A", "wiredesk.project", "worker",
        "--loglevel", "INFO", "--concurrency", str(concurrency), "--without-gossip", "--without-mingle",
    ]


def scheduler_argv() -> list[str]:
    """Celery beat: the ticks that enqueue due work (run exactly one per deployment)."""
    return [
        sys.executable, "-m", "celery", "-A", "wiredesk.project", "beat",
        "--loglevel", "INFO", "--schedule", settings.CELERY_BEAT_SCHEDULE_FILENAME,
    ]


def supervise(procs: list[Proc], *, out=sys.stdout) -> int:
    """Start every process, stop them all when one exits or on Ctrl-C/SIGTERM."""
    children: list[tuple[Proc, subprocess.Popen]] = []
    stopping = False

    def stop(*_args) -> None:
        nonlocal stopping
        stopping = True

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    code = 0
    try:
        # Started inside the try: if one cannot start, the ones already running are stopped.
        for proc in procs:
            children.append((proc, subprocess.Popen(proc.argv, env=os.environ.copy())))
            out.write(f"started {proc.name} (pid {children[-1][1].pid})\n")
        out.flush()
        while not stopping:
            for proc, child in children:
                if child.poll() is not None:
                    out.write(f"{proc.name} exited with status {child.returncode}; stopping the others\n")
                    code = child.returncode if child.returncode and child.returncode > 0 else 1
                    stopping = True
                    break
            time.sleep(0.5)
    finally:
        for _proc, child in children:
            if child.poll() is None:
                child.terminate()
        deadline = time.monotonic() + 15
        for _proc, child in children:
            try:
                child.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return code

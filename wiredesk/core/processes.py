"""Command lines of the long-running processes and the supervisor behind `wiredesk run`."""

from __future__ import annotations

import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from django.conf import settings

from wiredesk.core.heartbeat import HEARTBEAT_ENV, last_beat, write_status

log = logging.getLogger("wiredesk.run")


@dataclass(frozen=True)
class Proc:
    """One supervised process.

    ``heartbeat``: a file the process touches while it makes progress (its path is given to
    it in ``WIREDESK_HEARTBEAT_FILE``, core.heartbeat); ``probe``: a loopback (host, port)
    whose HTTP answer counts as a heartbeat. With either, a process whose last heartbeat (or
    its start, whichever is later) is more than ``stale_after`` seconds old is killed and
    started again. ``own_group``: the process and whatever it starts get a process group of
    their own, which a restart or a stop signals as a whole (a process that starts nothing
    stays in the supervisor's group, so a signal to that group reaches it as well).
    ``once``: a job that finishes (the demo's desk); exiting with 0, it is not started again.
    """

    name: str
    argv: list[str]
    heartbeat: str | None = None
    probe: tuple[str, int] | None = None
    stale_after: float = 0.0
    own_group: bool = True
    once: bool = False  # a one-off job: exiting with 0 ends it for good (any other exit restarts it)


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


def worker_argv(*, concurrency: int = 2, solo: bool = False, name: str = "") -> list[str]:
    """A Celery worker consuming every queue.

    ``solo``: one process that runs its tasks itself (the embedded broker's workers, see
    docs/architecture.md); otherwise the prefork pool with ``concurrency`` processes.
    ``name``: the Celery node name (before ``@host``); by default one no other worker on the
    machine has (two nodes of one name collide on RabbitMQ's pidbox queue).
    """
    argv = [
        sys.executable, "-m", "celery", "-A", "wiredesk.project", "worker",
        "--loglevel", "INFO", "--without-gossip", "--without-mingle", "--without-heartbeat",
    ]
    argv += ["--pool", "solo"] if solo else ["--concurrency", str(concurrency)]
    argv += ["--hostname", f"{name or f'worker{os.getpid()}'}@%h"]
    return argv


def embedded_workers(count: int, *, prefix: str = "worker") -> list[Proc]:
    """``count`` one-process workers for the embedded broker, each watched by its heartbeat.

    ``prefix`` names them (and their heartbeat files and Celery node names): two supervisors
    on one machine (`wiredesk run` and a `wiredesk worker` beside it) must not share them, or
    one's frozen worker would be kept alive by the other's heartbeat.
    """
    from wiredesk.core.heartbeat import heartbeat_path

    return [
        Proc(f"{prefix}-{n}", worker_argv(solo=True, name=f"{prefix}-{n}"),
             heartbeat=str(heartbeat_path(f"{prefix}-{n}")), stale_after=worker_stale_after(), own_group=False)
        for n in range(1, count + 1)
    ]


def scheduler_argv() -> list[str]:
    """Celery beat: the ticks that enqueue due work (run exactly one per deployment)."""
    return [
        sys.executable, "-m", "celery", "-A", "wiredesk.project", "beat",
        "--loglevel", "INFO", "--schedule", settings.CELERY_BEAT_SCHEDULE_FILENAME,
        "--scheduler", "wiredesk.core.beat:HeartbeatScheduler",
    ]


def worker_stale_after() -> float:
    """How long a worker may go without starting or finishing a task before it is restarted.

    Every task a pool process starts or finishes touches the heartbeat, and an idle worker
    runs the heartbeat task the scheduler queues every tick. Every pool process may be busy
    with one refresh for up to its hard time limit (a task has no legitimate way to run
    longer): beyond that plus two ticks and a minute, no progress means a frozen pool.
    """
    return float(settings.REFRESH["hard_seconds"] + 2 * settings.TICK_SECONDS + 60)


def scheduler_stale_after() -> float:
    """Beat wakes at least once a tick: four missed ticks (at least two minutes) is a hang."""
    return float(max(120, 4 * settings.TICK_SECONDS))


BACKOFF_FIRST = 1.0  # seconds before the first restart of a process that died
BACKOFF_MAX = 60.0  # the wait doubles with each quick death, up to this
STABLE_AFTER = 10.0  # a process that ran this long before dying starts its backoff afresh (a crash
# loop dies within seconds of its start; a process killed from outside after working is back in 1 s)
STOP_GRACE = 15.0  # seconds a process has to stop after SIGTERM before it is killed
PROBE_EVERY = 10.0  # seconds between two probes of a web server
PROBE_TIMEOUT = 10.0


@dataclass
class _Child:
    proc: Proc
    popen: subprocess.Popen | None = None
    started_at: float = 0.0  # wall clock, for the status page
    started_mono: float = 0.0
    restarts: int = 0
    quick_deaths: int = 0
    restart_at: float | None = None  # monotonic time of the next start while it is down
    last_cause: str = ""
    last_cause_at: float = 0.0
    probed_at: float = 0.0  # wall clock of the last answered probe
    done: bool = False  # a ``once`` job that finished
    probing: threading.Thread | None = None
    history: list[dict] = field(default_factory=list)

    def beat_age(self, now_wall: float) -> float | None:
        """Seconds since its last sign of progress (its start counts as one)."""
        marks = [self.started_at]
        if self.proc.heartbeat:
            mark = last_beat(self.proc.heartbeat)
            if mark is not None:
                marks.append(mark)
        if self.proc.probe:
            marks.append(self.probed_at)
        return now_wall - max(marks) if (self.proc.heartbeat or self.proc.probe) else None


def _start(child: _Child, out) -> None:
    # Its own process group (Proc.own_group): a restart or a stop reaches the process and
    # everything it started (a Celery worker's pool processes), and a frozen one is killed
    # as a whole.
    env = os.environ.copy()
    env.pop(HEARTBEAT_ENV, None)
    if child.proc.heartbeat:
        env[HEARTBEAT_ENV] = child.proc.heartbeat
    child.popen = subprocess.Popen(child.proc.argv, env=env, start_new_session=child.proc.own_group)
    child.started_at, child.started_mono = time.time(), time.monotonic()
    child.restart_at = None
    out.write(f"started {child.proc.name} (pid {child.popen.pid})\n")
    out.flush()


def _signal(child: _Child, popen: subprocess.Popen, sig: int) -> None:
    """Signal the process's group (Proc.own_group), or the process while it is not reaped."""
    try:
        if child.proc.own_group:
            os.killpg(popen.pid, sig)
        elif popen.returncode is None:
            popen.send_signal(sig)
    except (ProcessLookupError, PermissionError):
        pass


def _stop(children: list[_Child]) -> None:
    """SIGTERM to every process (group), SIGKILL to what is left after the grace period."""
    running = [(c, c.popen) for c in children if c.popen is not None]
    for child, popen in running:
        if popen.poll() is None:
            _signal(child, popen, signal.SIGTERM)
    deadline = time.monotonic() + STOP_GRACE
    for child, popen in running:
        try:
            popen.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            _signal(child, popen, signal.SIGKILL)
            popen.wait()
        _signal(child, popen, signal.SIGKILL)  # what the process left behind in its group


def _probe(child: _Child) -> None:
    """Ask the web server for a page; any HTTP answer is a heartbeat."""
    host, port = child.proc.probe
    try:
        with socket.create_connection((host, port), timeout=PROBE_TIMEOUT) as conn:
            conn.settimeout(PROBE_TIMEOUT)
            conn.sendall(b"GET /robots.txt HTTP/1.0\r\nHost: localhost\r\n\r\n")
            if conn.recv(16).startswith(b"HTTP/"):
                child.probed_at = time.time()
    except OSError:
        pass


def _describe_exit(code: int) -> str:
    from wiredesk.core.tasks import EXIT_HARD_LIMIT

    if code == EXIT_HARD_LIMIT:
        return f"exited with status {code} (a task outran its hard time limit)"
    if code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exited with status {code}"


def _schedule_restart(child: _Child, cause: str, out) -> None:
    ran = time.monotonic() - child.started_mono
    child.quick_deaths = 0 if ran >= STABLE_AFTER else child.quick_deaths + 1
    wait = min(BACKOFF_MAX, BACKOFF_FIRST * 2 ** max(0, child.quick_deaths - 1))
    child.popen = None
    child.restart_at = time.monotonic() + wait
    child.last_cause, child.last_cause_at = cause, time.time()
    child.history = (child.history + [{"at": child.last_cause_at, "cause": cause}])[-20:]
    out.write(f"{child.proc.name} {cause}; restarting in {wait:g} s\n")
    out.flush()
    log.warning("process restart name=%s cause=%r wait=%s", child.proc.name, cause, wait)


def _status(children: list[_Child], started: float) -> dict:
    now = time.time()
    rows = []
    for c in children:
        up = c.popen is not None and c.popen.poll() is None
        rows.append({
            "name": c.proc.name,
            "pid": c.popen.pid if up else None,
            "state": "running" if up else ("done" if c.done else "restarting"),
            "started_at": c.started_at if up else None,
            "restarts": c.restarts,
            "last_cause": c.last_cause,
            "last_cause_at": c.last_cause_at or None,
            "heartbeat_age": c.beat_age(now) if up else None,
            "stale_after": c.proc.stale_after or None,
            "recent_restarts": c.history,
        })
    return {"supervisor_pid": os.getpid(), "since": started, "written_at": now, "processes": rows}


def _look_after(child: _Child, *, now_mono: float, now_wall: float, out) -> None:
    """One round of supervision for one process: start it when its wait is over, notice its
    exit (a ``once`` job that finished is done), probe it, and kill it when its heartbeat is
    stale."""
    if child.popen is None:
        if child.restart_at is not None and now_mono >= child.restart_at:
            try:
                _start(child, out)
                child.restarts += 1
            except OSError as exc:
                child.started_mono = time.monotonic()  # a failed start is a quick death
                _schedule_restart(child, f"could not start ({exc})", out)
        return
    code = child.popen.poll()
    if code == 0 and child.proc.once:
        child.popen, child.done = None, True
        out.write(f"{child.proc.name}: done\n")
        return
    if code is not None:
        _signal(child, child.popen, signal.SIGKILL)  # orphans of a dead worker's pool
        _schedule_restart(child, _describe_exit(code), out)
        return
    if child.proc.probe and (child.probing is None or not child.probing.is_alive()) \
            and now_wall - child.probed_at >= PROBE_EVERY:
        child.probing = threading.Thread(target=_probe, args=(child,), daemon=True)
        child.probing.start()
    age = child.beat_age(now_wall)
    if child.proc.stale_after and age is not None and age > child.proc.stale_after:
        popen = child.popen
        _signal(child, popen, signal.SIGKILL)  # a frozen process may ignore SIGTERM
        try:
            popen.wait(timeout=10)
        except subprocess.TimeoutExpired:  # stuck in the kernel: looked at again next round
            return
        _schedule_restart(child, f"made no progress for {age:.0f} s (heartbeat stale)", out)


def supervise(procs: list[Proc], *, out=sys.stdout, status_file: Path | None = None,
              should_stop: Callable[[], bool] | None = None) -> int:
    """Run every process until asked to stop (SIGTERM, SIGINT, or ``should_stop()``).

    A process that exits is started again after a backoff (1 s, doubling with each death that
    follows a run of under STABLE_AFTER, at most 60 s); one whose heartbeat went stale is killed and started
    again. Each restart is printed with its cause, logged, and kept in ``status_file``. A
    process that cannot be started at all the first time (a missing program) is a
    configuration error: the ones already running are stopped and the error is raised.
    Returns 0 once everything is stopped.
    """
    children = [_Child(proc) for proc in procs]
    stopping = False

    def stop(*_args) -> None:
        nonlocal stopping
        stopping = True

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    started = time.time()
    try:
        for child in children:  # inside the try: if one cannot start, the others are stopped
            _start(child, out)
        last_written = 0.0
        while not stopping and not (should_stop and should_stop()):
            now_mono, now_wall = time.monotonic(), time.time()
            for child in children:
                _look_after(child, now_mono=now_mono, now_wall=now_wall, out=out)
            if status_file is not None and now_wall - last_written >= 1.0:
                write_status(status_file, _status(children, started))
                last_written = now_wall
            time.sleep(0.2)
    finally:
        _stop(children)
        if status_file is not None:
            write_status(status_file, {**_status(children, started), "stopped": True})
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 0

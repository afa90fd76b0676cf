"""supervise(): the supervisor behind `wiredesk run`, with tiny real child processes."""

from __future__ import annotations

import io
import json
import os
import re
import signal
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from wiredesk.core.processes import Proc, scheduler_argv, supervise, web_argv, worker_argv

# The supervisor and its children, no database: the PostgreSQL pass has nothing to add.
pytestmark = [pytest.mark.sqlite_only, pytest.mark.timeout(60)]


def sleeper(marker: Path) -> list[str]:
    """A child that runs until SIGTERM, and leaves ``marker`` saying it was asked to stop."""
    code = textwrap.dedent(f"""
        import signal, sys, time
        from pathlib import Path
        def stop(*_):
            Path({str(marker)!r}).write_text("terminated")
            sys.exit(0)
        signal.signal(signal.SIGTERM, stop)
        Path({str(marker) + ".pid"!r}).write_text(str(__import__("os").getpid()))
        time.sleep(60)
    """)
    return [sys.executable, "-c", code]


def exits(status: int, after: float = 0.5) -> list[str]:
    return [sys.executable, "-c", f"import time; time.sleep({after}); raise SystemExit({status})"]


def wait_for(path: Path, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert time.monotonic() < deadline, f"{path.name} never appeared"
        time.sleep(0.05)


def gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def appender(log: Path, *, then: str) -> list[str]:
    """A child that appends its pid to ``log`` as it starts, then runs ``then`` (Python)."""
    code = textwrap.dedent(f"""
        import os, signal, sys, time
        from pathlib import Path
        with open({str(log)!r}, "a") as f:
            f.write(str(os.getpid()) + "\\n")
    """) + textwrap.dedent(then)
    return [sys.executable, "-c", code]


def starts(log: Path) -> list[int]:
    return [int(x) for x in log.read_text().split()] if log.exists() else []


def until(predicate, limit: float = 40.0):
    """A should_stop for supervise(): true once ``predicate()`` is, or (a failure) after ``limit`` s."""
    deadline = time.monotonic() + limit

    def check() -> bool:
        return predicate() or time.monotonic() > deadline
    return check


def test_a_child_that_dies_is_started_again_with_growing_waits_and_the_others_keep_running(tmp_path):
    a, dies = tmp_path / "a", tmp_path / "dies.log"
    out = io.StringIO()
    code = supervise(
        [Proc("a", sleeper(a)), Proc("dies", appender(dies, then="time.sleep(0.1); sys.exit(3)"))],
        out=out, status_file=tmp_path / "status.json", should_stop=until(lambda: len(starts(dies)) >= 4),
    )
    assert code == 0
    assert len(starts(dies)) == 4  # started, then restarted three times
    log = out.getvalue()
    # Each quick death doubles the wait.
    waits = [line.split("restarting in ")[1] for line in log.splitlines() if line.startswith("dies exited")]
    assert waits[:3] == ["1 s", "2 s", "4 s"]
    assert log.count("dies exited with status 3") >= 3
    assert log.count("started a (pid") == 1  # the other one was never touched...
    assert a.read_text() == "terminated"  # ...until the supervisor stopped
    assert gone(int(Path(str(a) + ".pid").read_text()))
    status = json.loads((tmp_path / "status.json").read_text())
    rows = {row["name"]: row for row in status["processes"]}
    assert status["stopped"] is True
    assert rows["dies"]["restarts"] == 3 and rows["a"]["restarts"] == 0
    assert rows["dies"]["last_cause"] == "exited with status 3"
    assert [r["cause"] for r in rows["dies"]["recent_restarts"]][:3] == ["exited with status 3"] * 3


def test_a_child_killed_by_a_signal_is_restarted_and_its_cause_named(tmp_path):
    victim = tmp_path / "victim.log"
    out = io.StringIO()
    killed: list[int] = []

    def kill_once() -> bool:
        pids = starts(victim)
        if len(pids) == 1 and not killed:
            os.kill(pids[0], signal.SIGKILL)
            killed.append(pids[0])
        return len(pids) >= 2

    supervise([Proc("victim", appender(victim, then="time.sleep(60)"))], out=out, should_stop=until(kill_once))
    first, second = starts(victim)
    assert first == killed[0] and second != first
    assert "victim killed by SIGKILL; restarting in 1 s" in out.getvalue()
    assert gone(second)  # stopped at the end like any other


def test_a_child_whose_heartbeat_goes_stale_is_killed_and_restarted_while_a_beating_one_is_not(tmp_path):
    frozen, healthy = tmp_path / "frozen.log", tmp_path / "healthy.log"
    beat_frozen, beat_healthy = tmp_path / "frozen.beat", tmp_path / "healthy.beat"
    # Frozen: beats once, then hangs and ignores SIGTERM (as the frozen worker did).
    hang = f"""
        Path({str(beat_frozen)!r}).touch()
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        while True:
            time.sleep(1)
    """
    # Healthy: beats every 50 ms.
    live = f"""
        while True:
            Path({str(beat_healthy)!r}).touch()
            time.sleep(0.05)
    """
    out = io.StringIO()
    supervise(
        [Proc("frozen", appender(frozen, then=hang), heartbeat=str(beat_frozen), stale_after=1.0),
         Proc("healthy", appender(healthy, then=live), heartbeat=str(beat_healthy), stale_after=5.0)],
        out=out, should_stop=until(lambda: len(starts(frozen)) >= 3),
    )
    pids = starts(frozen)
    assert len(pids) == 3 and all(gone(pid) for pid in pids)  # SIGKILLed: SIGTERM was ignored
    assert out.getvalue().count("frozen made no progress for ") >= 2
    assert "(heartbeat stale); restarting in" in out.getvalue()
    assert len(starts(healthy)) == 1 and "healthy made no" not in out.getvalue()


def test_a_web_server_that_stops_answering_is_restarted(tmp_path, monkeypatch):
    from wiredesk.core import processes

    monkeypatch.setattr(processes, "PROBE_EVERY", 0.2)
    monkeypatch.setattr(processes, "PROBE_TIMEOUT", 0.5)
    answering, mute = tmp_path / "answering.log", tmp_path / "mute.log"
    ports = []
    for _ in range(2):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            ports.append(s.getsockname()[1])
    serve = f"""
        import http.server
        http.server.HTTPServer(("127.0.0.1", {ports[0]}), http.server.SimpleHTTPRequestHandler).serve_forever()
    """
    # Accepts connections (the listen backlog) but never answers one.
    hold = f"""
        import socket
        s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", {ports[1]})); s.listen(50)
        time.sleep(60)
    """
    out = io.StringIO()
    supervise(
        [Proc("answering", appender(answering, then=serve), probe=("127.0.0.1", ports[0]), stale_after=3.0),
         Proc("mute", appender(mute, then=hold), probe=("127.0.0.1", ports[1]), stale_after=1.5)],
        out=out, should_stop=until(lambda: len(starts(mute)) >= 2),
    )
    assert len(starts(mute)) == 2 and "mute made no progress" in out.getvalue()
    assert len(starts(answering)) == 1


def test_signal_handlers_are_restored_afterwards(tmp_path):
    before = (signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT))
    supervise([Proc("quits", exits(2, after=0.1))], out=io.StringIO(), should_stop=until(lambda: False, limit=0.5))
    assert (signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT)) == before


def test_a_child_that_cannot_start_stops_the_ones_already_started(tmp_path):
    out = io.StringIO()
    missing = [str(tmp_path / "no-such-program")]
    with pytest.raises(FileNotFoundError):
        supervise([Proc("a", sleeper(tmp_path / "a")), Proc("missing", missing)], out=out)
    pid = int(re.search(r"started a \(pid (\d+)\)", out.getvalue()).group(1))
    assert gone(pid)  # terminated and reaped, not left sleeping


SUPERVISOR = """
import sys
from wiredesk.core.processes import Proc, supervise
children = [Proc(name, [sys.executable, "-c", code]) for name, code in zip(("one", "two"), sys.argv[1:])]
sys.exit(supervise(children))
"""


def test_sigterm_to_the_supervisor_stops_every_child_and_exits_0(tmp_path):
    one, two = tmp_path / "one", tmp_path / "two"
    repo = Path(__file__).resolve().parents[2]
    env = {**os.environ, "PYTHONPATH": str(repo)}
    proc = subprocess.Popen(
        [sys.executable, "-c", SUPERVISOR, sleeper(one)[2], sleeper(two)[2]],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        wait_for(Path(str(one) + ".pid"))
        wait_for(Path(str(two) + ".pid"))
        proc.send_signal(signal.SIGTERM)
        output, _ = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, output
    assert one.read_text() == "terminated" and two.read_text() == "terminated"
    for marker in (one, two):
        assert gone(int(Path(str(marker) + ".pid").read_text()))
    assert "started one (pid" in output and "started two (pid" in output


def test_command_lines(settings):
    settings.WIREDESK_BIND, settings.WIREDESK_PORT = "127.0.0.1", 8123
    web = web_argv(workers=3)
    assert web[:3] == [sys.executable, "-m", "gunicorn"] and "wiredesk.project.asgi:application" in web
    assert web[web.index("--worker-class") + 1] == "wiredesk.project.web_worker.WebWorker"
    assert web[web.index("--bind") + 1] == "127.0.0.1:8123" and web[web.index("--workers") + 1] == "3"
    worker = worker_argv(concurrency=4)
    assert worker[:5] == [sys.executable, "-m", "celery", "-A", "wiredesk.project"] and "worker" in worker
    assert worker[worker.index("--concurrency") + 1] == "4" and "--pool" not in worker
    # Two workers on one machine never share a node name (RabbitMQ's pidbox queue is per name).
    assert worker[worker.index("--hostname") + 1] == f"worker{os.getpid()}@%h"
    named = worker_argv(concurrency=2, name="ingest-a")
    assert named[named.index("--hostname") + 1] == "ingest-a@%h"
    solo = worker_argv(solo=True, name="worker-3")
    assert solo[solo.index("--pool") + 1] == "solo" and solo[solo.index("--hostname") + 1] == "worker-3@%h"
    beat = scheduler_argv()
    assert "beat" in beat and beat[beat.index("--schedule") + 1] == settings.CELERY_BEAT_SCHEDULE_FILENAME


def test_a_one_off_job_that_finishes_is_not_started_again_but_one_that_fails_is(tmp_path):
    finishes, fails = tmp_path / "finishes.log", tmp_path / "fails.log"
    out = io.StringIO()
    supervise(
        [Proc("finishes", appender(finishes, then="sys.exit(0)"), once=True),
         Proc("fails", appender(fails, then="sys.exit(3)"), once=True)],
        out=out, should_stop=until(lambda: len(starts(fails)) >= 2 and "finishes: done" in out.getvalue()),
    )
    assert len(starts(finishes)) == 1 and len(starts(fails)) >= 2
    assert "finishes: done" in out.getvalue() and "fails exited with" in out.getvalue()

"""supervise(): the small supervisor behind `wiredesk run`, with tiny real child processes."""

from __future__ import annotations

import io
import os
import re
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from wiredesk.core.processes import Proc, scheduler_argv, supervise, web_argv, worker_argv

pytestmark = pytest.mark.timeout(60)


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


def test_one_child_exiting_stops_the_others_and_gives_its_status(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    out = io.StringIO()
    started = time.monotonic()
    code = supervise([Proc("a", sleeper(a)), Proc("dies", exits(3, after=1.0)), Proc("b", sleeper(b))], out=out)
    elapsed = time.monotonic() - started

    assert code == 3
    assert elapsed < 10  # the others were stopped, not waited for
    assert a.read_text() == "terminated" and b.read_text() == "terminated"
    for marker in (a, b):  # and reaped
        assert gone(int(Path(str(marker) + ".pid").read_text()))
    log = out.getvalue()
    assert log.count("started ") == 3 and "started dies (pid " in log
    assert "dies exited with status 3; stopping the others" in log


def test_a_clean_exit_of_one_child_is_still_a_failure(tmp_path):
    # `wiredesk run` is meant to run until stopped: any child leaving ends it with an error.
    out = io.StringIO()
    assert supervise([Proc("quits", exits(0, after=0.2)), Proc("s", sleeper(tmp_path / "s"))], out=out) == 1
    assert (tmp_path / "s").read_text() == "terminated"
    assert "quits exited with status 0" in out.getvalue()


def test_signal_handlers_are_restored_afterwards(tmp_path):
    before = (signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT))
    supervise([Proc("quits", exits(2, after=0.1))], out=io.StringIO())
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
    assert worker[worker.index("--concurrency") + 1] == "4"
    beat = scheduler_argv()
    assert "beat" in beat and beat[beat.index("--schedule") + 1] == settings.CELERY_BEAT_SCHEDULE_FILENAME

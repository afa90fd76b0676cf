"""Time limits in a one-process worker (core.tasks), for real, in processes of their own.

Celery enforces time limits only in its prefork pool; the embedded broker's workers run
their tasks themselves (`--pool solo`) and enforce them from inside. The soft limit is
tested with a real worker in tests/ingest/test_time_limit_worker.py. Here the hard limit's
watchdog, in a process that queued a real refresh on the embedded broker and took it: past
the limit, it acknowledges the task (so it is not run again), records the kill on the
source, frees its lease, and ends the process with status 70, which `wiredesk run` reports
and restarts.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time

import pytest

from tests.core.test_run import clean_env, query

pytestmark = [pytest.mark.sqlite_only, pytest.mark.timeout(120)]

STUCK = textwrap.dedent("""
    import datetime as dt, os, sys, threading, time
    import django
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wiredesk.project.settings")
    django.setup()
    from django.core.management import call_command
    from django.utils import timezone
    call_command("migrate", verbosity=0)
    from kombu import Connection
    from wiredesk.core import tasks as core_tasks
    from wiredesk.ingest.tasks import refresh_source
    from wiredesk.project.celery import app
    from wiredesk.sources.models import Source
    source = Source.objects.create(name="Stuck Wire", credit="Stuck Wire", feed_url="http://127.0.0.1:9/feed.xml",
                                   lease_until=timezone.now() + dt.timedelta(hours=1))
    result = refresh_source.apply_async(args=(source.id,))
    with Connection(app.conf.broker_url) as conn:  # taken, unacknowledged, as a worker holds it
        message = conn.SimpleQueue(app.conf.task_default_queue).get(timeout=5)
        print("taken", result.id, flush=True)
        core_tasks._hard_limit(threading.Event(), 0.5, refresh_source, result.id, (source.id,), {})
        print("still alive", flush=True)
""")


def test_the_hard_limit_acknowledges_records_and_ends_the_worker(tmp_path):
    data = tmp_path / "data"
    env = clean_env(data)
    done = subprocess.run([sys.executable, "-c", STUCK], env=env, capture_output=True, text=True, timeout=90)
    assert done.returncode == core_exit(), done.stdout + done.stderr
    assert "taken" in done.stdout and "still alive" not in done.stdout
    assert "outran its hard time limit" in done.stderr
    assert query(data / "queue.sqlite3", "SELECT COUNT(*) FROM message") == [(0,)]  # not run again
    (error, lease, errors), = query(data / "wiredesk.sqlite3",
                                    "SELECT last_error, lease_until, consecutive_errors FROM sources_source")
    assert error.startswith("time_limit: killed after ") and lease is None and errors == 1


def core_exit() -> int:
    from wiredesk.core.tasks import EXIT_HARD_LIMIT

    return EXIT_HARD_LIMIT


def test_the_supervisor_names_that_exit(tmp_path):
    from wiredesk.core.processes import _describe_exit

    assert _describe_exit(core_exit()) == "exited with status 70 (a task outran its hard time limit)"
    assert _describe_exit(-9) == "killed by SIGKILL" and _describe_exit(1) == "exited with status 1"


STUCK_IN_C = textwrap.dedent("""
    import os, re, sys, time
    import django
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wiredesk.project.settings")
    django.setup()
    from wiredesk.core import tasks as core_tasks
    from wiredesk.project.celery import app

    @app.task(name="wiredesk.test.stuck", time_limit=1, acks_late=True)
    def stuck():
        pass

    core_tasks._solo = True  # as in a `--pool solo` worker
    core_tasks.HARD_BACKSTOP = 1.0
    stuck.push_request(id="t-stuck", is_eager=False, timelimit=(1, None))
    core_tasks._task_started(task_id="t-stuck", task=stuck, args=(), kwargs={})
    print("armed", flush=True)
    started = time.monotonic()
    re.match(r"(a+)+$", "a" * 60 + "b")  # catastrophic backtracking: minutes inside C, interpreter held
    print("returned after", time.monotonic() - started, flush=True)
""")


def test_a_task_stuck_in_c_code_is_ended_by_the_backstop(tmp_path):
    """The watchdog thread needs the interpreter, which a regular expression running in C
    keeps: faulthandler's C watchdog ends the process anyway, shortly after the hard limit,
    and says where it was stuck."""
    env = clean_env(tmp_path / "data")
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-c", STUCK_IN_C], env=env, capture_output=True, text=True, timeout=90)
    took = time.monotonic() - started
    assert "armed" in done.stdout and "returned after" not in done.stdout, done.stdout + done.stderr
    assert done.returncode == 1, done.returncode
    assert "Timeout (" in done.stderr and "in match" in done.stderr, done.stderr[-2000:]  # where it was stuck
    assert took < 60  # ended, not left to run for minutes

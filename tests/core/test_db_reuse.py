"""A worker keeps its PostgreSQL connection from task to task (Celery's Django integration
opened a new session for every task), and a connection that died is replaced, not reused.
Real PostgreSQL, a real Redis broker, a real worker process."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest
from django.db import connection

from tests.core.test_scaleout import scaleout_env  # noqa: F401  (PostgreSQL, a Redis broker)

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]
TASKS = 40


def _sessions() -> int:
    """Sessions ever opened on the test database (PostgreSQL counts them as they start)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute("SELECT sessions FROM pg_stat_database WHERE datname = current_database()")
        return cursor.fetchone()[0]


def _enqueue(env: dict, count: int) -> None:
    code = ("from wiredesk.core.tasks import outbox_flush; "
            f"[outbox_flush.delay() for _ in range({count})]")
    out = subprocess.run([sys.executable, "-m", "wiredesk", "shell", "--no-imports", "-c", code], env=env,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]


def _wait_for(log_path, succeeded: int) -> str:
    deadline = time.monotonic() + 120
    text = ""
    while time.monotonic() < deadline:
        text = log_path.read_text()
        if text.count("succeeded in") >= succeeded:
            return text
        time.sleep(0.5)
    raise AssertionError(f"{succeeded} tasks not done in time:\n{text[-3000:]}")


def test_a_worker_reuses_its_connection_and_replaces_a_dead_one(scaleout_env, tmp_path):
    worker_env = scaleout_env
    log_path = tmp_path / "worker.log"
    worker = subprocess.Popen([sys.executable, "-m", "wiredesk", "worker", "--concurrency", "1"], env=worker_env,
                              stdout=log_path.open("w"), stderr=subprocess.STDOUT)
    try:
        _enqueue(worker_env, 1)
        _wait_for(log_path, 1)  # started, connected once
        time.sleep(1.5)  # sessions are counted when a backend reports its statistics
        before = _sessions()
        _enqueue(worker_env, TASKS)
        _wait_for(log_path, 1 + TASKS)
        time.sleep(1.5)
        opened = _sessions() - before
        # The enqueuing shell opens one; the worker none (it opened 2 per task before).
        assert opened <= 3, f"{opened} sessions for {TASKS} tasks"

        # The worker's session dies under it (a failover, an idle timeout): the next tasks
        # notice before using it and connect again.
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                           "WHERE datname = current_database() AND pid <> pg_backend_pid()")
        _enqueue(worker_env, 5)
        log = _wait_for(log_path, 1 + TASKS + 5)
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    assert "raised unexpected" not in log and "OperationalError" not in log, log[-3000:]

"""The broker goes away and comes back: nothing queued is lost (reliability W3, issue 12 part 4).

The scale-out stack for real: PostgreSQL (this test's database), a redis-server of the test's
own on a spare loopback port as the broker, a `wiredesk worker` process, sign-ups made by
separate processes as the web server would make them, and an SMTP server (aiosmtpd) that
counts the confirmation emails.

1. Redis up: a sign-up's email arrives.
2. Redis is stopped under the running worker and a sign-up is made while it is down: the
   reader's request still succeeds and its task is kept in the outbox (a flush while the
   broker is still down sends nothing and drops nothing).
3. Redis comes back; the worker, still the same process, reconnects by itself; the
   scheduler's outbox tick sends the kept task; a new sign-up's task runs too. Every
   email arrives once.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time

import pytest
from django.db import connection

from tests.core.test_redis_down import PrivateRedis
from tests.mailsink import MailSink
from tests.web.factories import make_brand
from wiredesk.core.models import OutboxTask

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True), pytest.mark.timeout(240)]

SIGN_UP = (
    "import datetime as dt; from django.utils import timezone; from wiredesk.brands.models import Brand; "
    "from wiredesk.digest.services.subscriptions import subscription_start; "
    "subscription_start(brand=Brand.objects.get(name='Outage Courier'), email='{email}', sections=[], ip='192.0.2.{n}', "
    "now=timezone.now()); print('signed up')"
)
FLUSH = "from wiredesk.core.outbox import outbox_flush; print('flushed', outbox_flush())"


def _database_url() -> str:
    s = connection.settings_dict
    return f"postgres://{s['USER']}@{s['HOST']}:{s['PORT']}/{s['NAME']}"


def _shell(env, code: str) -> str:
    done = subprocess.run([sys.executable, "-m", "wiredesk", "shell", "--no-imports", "-c", code], env=env,
                          capture_output=True, text=True, timeout=90)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def _wait_for(predicate, seconds: float, what: str, log=lambda: "") -> None:
    deadline = time.monotonic() + seconds
    while not predicate():
        assert time.monotonic() < deadline, f"{what} within {seconds:.0f} s" + log()
        time.sleep(0.2)


def test_tasks_queued_before_and_during_a_broker_outage_are_all_run_once_it_returns(tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("runs in the PostgreSQL pass of `make test` (the worker shares this test's database)")
    if shutil.which("redis-server") is None:
        pytest.skip("no redis-server on this machine")
    redis = PrivateRedis(tmp_path)
    redis.start()
    sink = MailSink().start()
    make_brand("Outage Courier", ["outage.test"])
    env = {k: v for k, v in os.environ.items() if not k.startswith("WIREDESK_") and k != "CACHE_URL"}
    env.update(
        WIREDESK_DATA_DIR=str(tmp_path / "data"), DATABASE_URL=_database_url(),
        CELERY_BROKER_URL=f"redis://127.0.0.1:{redis.port}/0",
        WIREDESK_EMAIL_BACKEND="smtp", EMAIL_HOST="127.0.0.1", EMAIL_PORT=str(sink.port), PYTHONUNBUFFERED="1",
    )
    log_path = tmp_path / "worker.log"
    worker = None

    def log_tail() -> str:
        return "\n--- worker log ---\n" + log_path.read_text(errors="replace")[-3000:] if log_path.exists() else ""

    def received(address: str) -> int:
        return sum(1 for m in sink.messages if address in m.rcpt_tos)

    try:
        with open(log_path, "wb") as log:
            worker = subprocess.Popen([sys.executable, "-m", "wiredesk", "worker", "--concurrency", "1"], env=env,
                                      stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        assert "signed up" in _shell(env, SIGN_UP.format(email="before@mail.test", n=1))
        _wait_for(lambda: received("before@mail.test") == 1, 60, "the first email arrived", log_tail)

        redis.stop()  # the worker is left running: it must wait for the broker, not exit

        # A sign-up while the broker is down: the request succeeds and its task is kept.
        assert "signed up" in _shell(env, SIGN_UP.format(email="during@mail.test", n=3))
        kept = list(OutboxTask.objects.values_list("name", "args"))
        assert kept and kept[0][0] == "wiredesk.digest.tasks.send_confirmation_email", kept
        assert "flushed 0" in _shell(env, FLUSH)  # still down: nothing sent, nothing dropped
        assert OutboxTask.objects.count() == 1 and OutboxTask.objects.get().attempts == 2

        time.sleep(3)  # the worker notices the lost connection and starts retrying
        redis.start()  # same port
        assert "flushed 1" in _shell(env, FLUSH)  # what the scheduler's tick does
        assert OutboxTask.objects.count() == 0
        assert "signed up" in _shell(env, SIGN_UP.format(email="after@mail.test", n=4))
        _wait_for(lambda: received("during@mail.test") == 1 and received("after@mail.test") == 1, 90,
                  "the kept and the new task ran on the worker that lived through the outage", log_tail)
        assert worker.poll() is None, "the worker exited during the outage" + log_tail()
        time.sleep(2)  # nothing more arrives
    finally:
        if worker is not None and worker.poll() is None:
            os.killpg(worker.pid, signal.SIGTERM)
            try:
                worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(worker.pid, signal.SIGKILL)
                worker.wait()
        if redis.proc is not None and redis.proc.poll() is None:
            redis.stop()
        sink.stop()
    counts = {a: received(a) for a in ("before@mail.test", "during@mail.test", "after@mail.test")}
    assert counts == {"before@mail.test": 1, "during@mail.test": 1, "after@mail.test": 1}, counts

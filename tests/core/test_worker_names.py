"""Two `wiredesk worker`s on one machine with RabbitMQ: each gets a node name of its own, so
both come up and answer (one name for both collided on RabbitMQ's pidbox queue,
RESOURCE_LOCKED). A real RabbitMQ on 127.0.0.1:5672, real worker processes."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time

import pytest

from tests.loopback import listening

pytestmark = pytest.mark.slow
AMQP = ("127.0.0.1", 5672)


def rabbit_up() -> bool:
    return listening(*AMQP)


def test_two_workers_on_one_machine_both_come_up_and_answer(tmp_path):
    if not rabbit_up():
        pytest.skip("no RabbitMQ on 127.0.0.1:5672")
    # A queue of this test's own: the machine's RabbitMQ may serve other deployments on the same
    # virtual host (a bench's wire farm during a CI run), whose tasks must stay theirs.
    queue = f"wd-test-names-{os.getpid()}"
    env = dict(os.environ, WIREDESK_DATA_DIR=str(tmp_path), WIREDESK_QUEUE=queue,
               CELERY_BROKER_URL="amqp://guest:guest@127.0.0.1:5672//")
    logs = [tmp_path / f"worker{n}.log" for n in range(2)]
    workers = [subprocess.Popen([sys.executable, "-m", "wiredesk", "worker", "--concurrency", "1"], env=env,
                                stdout=log.open("w"), stderr=subprocess.STDOUT) for log in logs]
    named = subprocess.Popen([sys.executable, "-m", "wiredesk", "worker", "--concurrency", "1", "--name", "ingest-a"],
                             env=env, stdout=(tmp_path / "named.log").open("w"), stderr=subprocess.STDOUT)
    host = socket.gethostname()
    # Ours: other deployments may share this RabbitMQ (its default vhost) and answer the ping too.
    mine = {f"worker{workers[0].pid}@{host}", f"worker{workers[1].pid}@{host}", f"ingest-a@{host}"}
    try:
        deadline = time.monotonic() + 90
        replies: dict = {}
        while time.monotonic() < deadline and not mine <= set(replies):
            time.sleep(2)
            ping = subprocess.run([sys.executable, "-m", "celery", "-A", "wiredesk.project", "inspect", "ping",
                                   "--json", "--timeout", "3"], env=env, capture_output=True, text=True, timeout=60)
            try:
                replies = json.loads(ping.stdout.strip().splitlines()[-1]) if ping.stdout.strip() else {}
            except (json.JSONDecodeError, IndexError):
                replies = {}
        assert all(w.poll() is None for w in [*workers, named]), [log.read_text()[-2000:] for log in logs]
        assert mine <= set(replies), sorted(replies)  # three names, all answering
        assert not any("RESOURCE_LOCKED" in log.read_text() for log in logs)
        # Each consumes the queue WIREDESK_QUEUE names, and no other.
        active = subprocess.run([sys.executable, "-m", "celery", "-A", "wiredesk.project", "inspect",
                                 "active_queues", "--json", "--timeout", "5"], env=env, capture_output=True,
                                text=True, timeout=60)
        consumed = json.loads(active.stdout.strip().splitlines()[-1])
        assert {node: sorted(q["name"] for q in queues) for node, queues in consumed.items() if node in mine} \
            == {node: [queue] for node in mine}
    finally:
        for w in [*workers, named]:
            w.terminate()
        for w in [*workers, named]:
            try:
                w.wait(timeout=30)
            except subprocess.TimeoutExpired:
                w.kill()
        _drop_queue(queue)


def _drop_queue(name: str) -> None:
    from kombu import Connection

    with Connection("amqp://guest:guest@127.0.0.1:5672//", connect_timeout=5) as conn:
        conn.default_channel.queue_delete(name)
        conn.default_channel.exchange_delete(name)  # Celery declares one named after the queue


@pytest.mark.parametrize("broker", ["amqp://guest:guest@127.0.0.1:5672//", ""])
def test_a_bad_name_is_refused_on_every_broker(tmp_path, broker):
    env = dict(os.environ, WIREDESK_DATA_DIR=str(tmp_path))
    env.pop("CELERY_BROKER_URL", None)
    if broker:
        env["CELERY_BROKER_URL"] = broker
    done = subprocess.run([sys.executable, "-m", "wiredesk", "worker", "--name", "a b@c"], env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "--name takes letters" in done.stderr

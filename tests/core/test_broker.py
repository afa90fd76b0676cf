"""The embedded broker (wiredesk/core/broker.py) through kombu, as Celery uses it.

Real SQLite files and real processes: a consumer that is killed with SIGKILL holding a
message, two processes draining one queue at once, a task that kills every worker it reaches.
"""

from __future__ import annotations

import base64
import json
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from kombu import Connection

from wiredesk.core import broker

ROOT = Path(__file__).resolve().parents[2]


def _url(path: Path) -> str:
    return f"sqlite:///{path}"


def _rows(path: Path, sql: str = "SELECT queue, owner, owner_pid, deliveries FROM message ORDER BY id"):
    db = sqlite3.connect(path)
    try:
        return db.execute(sql).fetchall()
    finally:
        db.close()


def _publish(path: Path, *bodies, queue: str = "jobs") -> None:
    with Connection(_url(path)) as conn:
        q = conn.SimpleQueue(queue)
        for body in bodies:
            q.put(body)
        q.close()


TAKER = textwrap.dedent("""
    import sys, time
    from kombu import Connection
    import wiredesk.core.broker
    with Connection(sys.argv[1]) as conn:
        q = conn.SimpleQueue("jobs")
        m = q.get(timeout=10)
        print(m.payload["n"], flush=True)
        time.sleep(600)   # holds the message, unacknowledged, until it is killed
""")


def _take_and_die(path: Path) -> int:
    """A consumer process takes one message and is killed with SIGKILL holding it."""
    proc = subprocess.Popen([sys.executable, "-c", TAKER, _url(path)], stdout=subprocess.PIPE, text=True,
                            cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        line = proc.stdout.readline()
        assert line.strip(), "the consumer got nothing"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
        return int(line)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_urls_name_the_broker_file():
    assert broker.path_from_url("sqlite:////srv/data/queue.sqlite3") == Path("/srv/data/queue.sqlite3")
    assert broker.path_from_url("sqlite:///srv/data/queue.sqlite3") == Path("/srv/data/queue.sqlite3")
    for bad in ("sqlite://", "sqlite:///", "redis://localhost/0", "sqlite://otherhost/x.db"):
        with pytest.raises(ValueError):
            broker.path_from_url(bad)
    assert broker.is_embedded("sqlite:///x") and not broker.is_embedded("sqla+sqlite:///x")


def test_a_delivered_message_is_claimed_until_acknowledged_then_gone(tmp_path):
    path = tmp_path / "queue.sqlite3"
    _publish(path, {"n": 1}, {"n": 2})
    with Connection(_url(path)) as conn:
        q = conn.SimpleQueue("jobs")
        assert q.qsize() == 2
        first = q.get(timeout=2)
        assert first.payload == {"n": 1} and not first.delivery_info.get("redelivered")
        (_, owner, pid, deliveries), waiting = _rows(path)
        assert owner and pid == os.getpid() and deliveries == 1 and waiting[1] is None
        assert q.qsize() == 1  # a claimed message is not waiting
        first.ack()
        assert [r[1] for r in _rows(path)] == [None]
        second = q.get(timeout=2)
        second.reject(requeue=True)  # back in the queue, same message
        again = q.get(timeout=2)
        assert again.payload == {"n": 2} and again.delivery_info.get("redelivered")
        again.reject(requeue=False)  # dropped
        assert _rows(path) == []
        q.close()


def test_a_warm_shutdown_hands_back_what_it_holds(tmp_path):
    path = tmp_path / "queue.sqlite3"
    _publish(path, {"n": 1})
    with Connection(_url(path)) as conn:
        q = conn.SimpleQueue("jobs")
        assert q.get(timeout=2).payload == {"n": 1}
        q.close()  # without acknowledging: the channel's close puts it back
    assert _rows(path) == [("jobs", None, None, 1)]


def test_a_message_held_by_a_killed_process_is_delivered_again(tmp_path):
    path = tmp_path / "queue.sqlite3"
    _publish(path, {"n": 7}, {"n": 8})
    assert _take_and_die(path) == 7
    held = _rows(path)
    assert held[0][1] is not None and held[0][3] == 1  # still claimed by the dead process
    with Connection(_url(path)) as conn:
        q = conn.SimpleQueue("jobs")
        got = q.get(timeout=broker.RECLAIM_EVERY + 5)
        # Put back in its place: it was queued first, so it comes first again.
        assert got.payload == {"n": 7} and got.delivery_info.get("redelivered")
        got.ack()
        assert q.get(timeout=2).payload == {"n": 8}
        q.close()


def test_a_reused_pid_does_not_keep_a_dead_claim(tmp_path):
    path = tmp_path / "queue.sqlite3"
    _publish(path, {"n": 1})
    db = broker.connect(path)
    # Claimed by "this pid" at another start time: the process that held it is gone and this
    # one only has its number.
    db.execute("UPDATE message SET owner = 'gone', owner_host = ?, owner_pid = ?, owner_start = '1', deliveries = 1",
               (broker.HOST, os.getpid()))
    assert broker.process_alive(os.getpid(), broker.process_start(os.getpid()))
    assert broker.reclaim(db) == 1
    assert _rows(path) == [("jobs", None, None, 1)]
    db.close()


def test_a_task_that_kills_every_worker_is_set_aside_after_the_limit(tmp_path):
    path = tmp_path / "queue.sqlite3"
    _publish(path, {"n": 1}, {"n": 2})
    for _ in range(broker.MAX_DELIVERIES):
        assert _take_and_die(path) == 1
        assert broker.reclaim(broker.connect(path)) in (0, 1)
    assert [r[0] for r in _rows(path, "SELECT payload FROM dead")] and broker.dead_count(_url(path)) == 1
    dead = json.loads(_rows(path, "SELECT payload FROM dead")[0][0])
    body = dead["body"]
    if dead["properties"].get("body_encoding") == "base64":
        body = base64.b64decode(body)
    assert json.loads(body) == {"n": 1}  # the whole message is kept, to be looked at
    with Connection(_url(path)) as conn:  # the queue goes on with the next one
        q = conn.SimpleQueue("jobs")
        assert q.get(timeout=2).payload == {"n": 2}
        q.close()


DRAINER = textwrap.dedent("""
    import sys
    from kombu import Connection
    import wiredesk.core.broker
    seen = []
    with Connection(sys.argv[1]) as conn:
        q = conn.SimpleQueue("jobs")
        while True:
            try:
                m = q.get(timeout=1.5)
            except q.Empty:
                break
            seen.append(m.payload["n"])
            m.ack()
        q.close()
    print(" ".join(map(str, seen)))
""")


def test_two_processes_draining_one_queue_never_get_the_same_message(tmp_path):
    path = tmp_path / "queue.sqlite3"
    _publish(path, *({"n": n} for n in range(300)))
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    procs = [subprocess.Popen([sys.executable, "-c", DRAINER, _url(path)], stdout=subprocess.PIPE, text=True,
                              cwd=ROOT, env=env) for _ in range(2)]
    outs = [p.communicate(timeout=120)[0].split() for p in procs]
    assert all(p.returncode == 0 for p in procs)
    got = [int(n) for out in outs for n in out]
    assert sorted(got) == list(range(300)), "lost or doubled"
    assert _rows(path) == []


def test_the_queue_state_reads_depth_and_the_oldest_wait(tmp_path):
    from celery import Celery

    from wiredesk.core.queue import queue_state

    path = tmp_path / "queue.sqlite3"
    app = Celery("broker-test", broker=_url(path))
    app.conf.broker_connection_retry_on_startup = False
    queued = time.time()
    app.send_task("wiredesk.test.nothing", headers={"wiredesk_sent_at": queued - 30})
    app.send_task("wiredesk.test.nothing")
    state = queue_state(app)
    assert state.depth == 2 and state.error == ""
    assert 30 <= state.oldest_wait <= time.time() - queued + 31


def test_tasks_waiting_in_the_old_sqlalchemy_broker_are_carried_over_once(tmp_path):
    """An upgrade from the SQLAlchemy transport's broker.sqlite3: what waited there is queued
    here in its order, the old file is renamed, and a second start carries nothing twice."""
    from kombu.transport import sqlalchemy  # noqa: F401  (the old transport, still in kombu)

    old = tmp_path / "broker.sqlite3"
    with Connection(f"sqla+sqlite:///{old}") as conn:
        q = conn.SimpleQueue("celery")
        for n in (1, 2, 3):
            q.put({"n": n})
        taken = q.get(timeout=5)  # one was done before the upgrade: gone, not carried over
        assert taken.payload == {"n": 1}
        taken.ack()
        q.close()
    url = _url(tmp_path / "queue.sqlite3")
    assert broker.adopt_old_queue(tmp_path, url) == 2
    assert not old.exists() and (tmp_path / "broker.sqlite3.carried-over").exists()
    assert broker.adopt_old_queue(tmp_path, url) == 0
    with Connection(url) as conn:
        q = conn.SimpleQueue("celery")
        assert [q.get(timeout=2).payload for _ in range(2)] == [{"n": 2}, {"n": 3}]
        q.close()

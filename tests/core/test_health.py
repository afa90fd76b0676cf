"""The runtime's health page, the queue it reports on, and the heartbeats behind it."""

from __future__ import annotations

import os
import re
import time
import uuid

import pytest
from celery import Celery

from wiredesk.core import heartbeat
from wiredesk.core.beat import HeartbeatScheduler
from wiredesk.core.queue import queue_state
from wiredesk.core.tasks import SENT_HEADER


@pytest.fixture
def run_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    return heartbeat.run_dir()


def _app(broker: str) -> Celery:
    app = Celery(f"health-test-{uuid.uuid4().hex[:6]}", broker=broker)
    app.conf.broker_connection_retry_on_startup = False
    return app


def test_queue_depth_and_oldest_wait_on_the_embedded_broker(tmp_path):
    app = _app(f"sqlite:///{tmp_path / 'queue.sqlite3'}")
    assert queue_state(app).depth == 0  # an empty queue: nothing waits
    app.send_task("wiredesk.test.first")
    time.sleep(0.05)
    app.send_task("wiredesk.test.second")
    state = queue_state(app)
    assert state.depth == 2 and not state.error
    assert state.oldest_wait is not None and 0.05 <= state.oldest_wait < 60
    assert queue_state(app).depth == 2  # looking took nothing


def test_queue_depth_and_oldest_wait_on_redis():
    try:
        __import__("socket").create_connection(("127.0.0.1", 6379), timeout=1).close()
    except OSError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    app = _app("redis://127.0.0.1:6379/15")
    queue = f"wiredesk-health-test-{uuid.uuid4().hex}"
    empty = queue_state(app, queue=queue)  # Redis keeps no empty queue: that is 0 waiting, not an error
    assert empty.depth == 0 and not empty.error
    try:
        app.send_task("wiredesk.test.first", queue=queue)
        app.send_task("wiredesk.test.second", queue=queue)
        state = queue_state(app, queue=queue)
        assert state.depth == 2 and state.oldest_wait is not None and state.oldest_wait < 60
    finally:
        with app.connection_for_write() as conn:
            conn.default_channel.client.delete(queue)


def test_a_broker_that_cannot_be_reached_is_reported_not_raised(tmp_path):
    with __import__("socket").socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens here once closed
    state = queue_state(_app(f"redis://127.0.0.1:{port}/0"))
    assert state.depth is None and state.error


def test_every_task_is_stamped_when_queued(tmp_path):
    app = _app(f"sqlite:///{tmp_path / 'queue.sqlite3'}")
    before = time.time()
    app.send_task("wiredesk.test.stamped")
    with app.connection_for_read() as conn:
        message = conn.SimpleQueue("celery").get(timeout=5)
        assert before <= message.headers[SENT_HEADER] <= time.time()
        message.ack()


def test_the_heartbeat_task_and_the_scheduler_tick_touch_the_file_they_are_given(run_dir, tmp_path, monkeypatch):
    from wiredesk.core.tasks import heartbeat as heartbeat_task
    from wiredesk.project.celery import app

    worker, scheduler_beat = heartbeat.heartbeat_path("worker-1"), heartbeat.heartbeat_path("scheduler")
    heartbeat_task()  # started by hand: no file named, nothing touched
    assert heartbeat.last_beat(worker) is None
    monkeypatch.setenv(heartbeat.HEARTBEAT_ENV, str(worker))
    heartbeat_task()
    assert heartbeat.last_beat(worker) == pytest.approx(time.time(), abs=5)
    monkeypatch.setenv(heartbeat.HEARTBEAT_ENV, str(scheduler_beat))
    monkeypatch.setattr(heartbeat, "_last_progress", 0.0)  # the once-a-second throttle
    scheduler = HeartbeatScheduler(app=app, schedule_filename=str(tmp_path / "beat-state"), lazy=True)
    scheduler.setup_schedule()
    try:
        scheduler.tick()
    finally:
        scheduler.close()
    assert heartbeat.last_beat(scheduler_beat) == pytest.approx(time.time(), abs=5)


def test_the_beat_schedule_queues_the_worker_heartbeat(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["heartbeat"]
    assert entry["task"] == "wiredesk.core.tasks.heartbeat"
    assert entry["schedule"] == settings.TICK_SECONDS


def test_health_page_shows_each_process_and_the_queue(staff, run_dir):
    now = time.time()
    heartbeat.write_status(run_dir / heartbeat.STATUS, {
        "supervisor_pid": os.getpid(), "since": now - 3600, "written_at": now,
        "processes": [
            {"name": "worker", "pid": 4242, "state": "running", "started_at": now - 125, "restarts": 2,
             "last_cause": "made no progress for 790 s (heartbeat stale)", "last_cause_at": now - 130,
             "heartbeat_age": 12.0, "stale_after": 780.0,
             "recent_restarts": [{"at": now - 900, "cause": "killed by SIGKILL"},
                                 {"at": now - 130, "cause": "made no progress for 790 s (heartbeat stale)"}]},
            {"name": "web", "pid": None, "state": "restarting", "started_at": None, "restarts": 1,
             "last_cause": "exited with status 1", "last_cause_at": now - 1, "heartbeat_age": None,
             "stale_after": 60.0, "recent_restarts": []},
        ],
    })
    page = staff.get("/admin/health/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Runtime health" in html and "<td>4242</td>" in html
    assert re.search(r"<td>2 min \d+ s</td>", html)  # up for about 125 s
    assert "made no progress for 790 s" in html and "killed by SIGKILL" in html
    assert "12 s ago" in html and "restarting" in html
    assert "Tasks waiting" in html and "is not running" not in html
    # The admin's front page links it.
    assert 'href="/admin/health/"' in staff.get("/admin/").content.decode()


def test_health_page_says_when_no_supervisor_reports(staff, run_dir):
    assert "No supervisor has reported yet" in staff.get("/admin/health/").content.decode()
    heartbeat.write_status(run_dir / heartbeat.STATUS, {"processes": [], "stopped": True})
    assert "is not running" in staff.get("/admin/health/").content.decode()


def test_health_page_is_for_staff_only(client):
    page = client.get("/admin/health/")
    assert page.status_code == 302 and "/admin/login/" in page["Location"]

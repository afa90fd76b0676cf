"""Tasks queued while the broker cannot take them are kept and sent later (core/outbox.py).

The broker here is the embedded one, made unusable the way a real one fails: its file lies
under a path that cannot be a folder, so opening it raises. Then it is pointed at a usable
file and the scheduler's flush sends what was kept, in order; what expired meanwhile is
dropped as the broker would have dropped it.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import sqlite3

import pytest
from django.db import transaction
from django.utils import timezone

from wiredesk.core.models import OutboxTask
from wiredesk.core.outbox import enqueue, outbox_flush
from wiredesk.project.celery import app

pytestmark = pytest.mark.django_db(transaction=True)


def _point_at(url: str) -> None:
    app.conf.broker_url = url
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def broker(tmp_path):
    saved = (app.conf.broker_url, app.conf.task_always_eager, app.conf.broker_connection_retry_on_startup)
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the broker's folder should be")
    app.conf.task_always_eager = False
    app.conf.task_publish_retry = False
    _point_at(f"sqlite:///{blocker / 'queue.sqlite3'}")
    try:
        yield tmp_path / "queue.sqlite3"
    finally:
        app.conf.broker_url, app.conf.task_always_eager, app.conf.broker_connection_retry_on_startup = saved
        app.conf.task_publish_retry = True
        _point_at(saved[0])


def _queued(path) -> list[tuple[str, list]]:
    db = sqlite3.connect(path)
    try:
        rows = db.execute("SELECT payload FROM message ORDER BY id").fetchall()
    finally:
        db.close()
    out = []
    for (payload,) in rows:
        message = json.loads(payload)
        body = message["body"]
        if message["properties"].get("body_encoding") == "base64":
            body = base64.b64decode(body)
        args, _kwargs, _embed = json.loads(body)  # Celery's message protocol 2
        out.append((message["headers"]["task"], args))
    return out


def test_a_refused_task_is_kept_then_sent_in_order_and_an_expired_one_dropped(broker):
    from wiredesk.digest.tasks import send_confirmation_email
    from wiredesk.ingest.tasks import refresh_source

    with transaction.atomic():
        enqueue(send_confirmation_email, args=(11,), robust=True)
        assert OutboxTask.objects.count() == 0  # nothing happens before the commit
    enqueue(refresh_source, args=(12,), expires=30)
    enqueue(send_confirmation_email, args=(13,))
    kept = list(OutboxTask.objects.values_list("name", "args", "last_error"))
    assert [(n, a) for n, a, _ in kept] == [("wiredesk.digest.tasks.send_confirmation_email", [11]),
                                           ("wiredesk.ingest.tasks.refresh_source", [12]),
                                           ("wiredesk.digest.tasks.send_confirmation_email", [13])]
    assert all(error for _, _, error in kept)
    assert outbox_flush() == 0 and OutboxTask.objects.count() == 3  # still refused: nothing lost

    _point_at(f"sqlite:///{broker}")
    later = timezone.now() + dt.timedelta(seconds=60)  # past the refresh's 30 s expiry
    assert outbox_flush(now=later) == 2
    assert OutboxTask.objects.count() == 0
    assert _queued(broker) == [("wiredesk.digest.tasks.send_confirmation_email", [11]),
                               ("wiredesk.digest.tasks.send_confirmation_email", [13])]

"""The Celery application: the same code on the embedded SQLite broker and on Redis/RabbitMQ."""

import os

from celery import Celery
from kombu.transport import sqlalchemy as kombu_sqlalchemy

# The embedded SQLite broker is polled. With one task prefetched per worker process, a worker
# takes its next task only on the poll after the previous one was acknowledged, so the
# interval caps how many tasks start per second: kombu's default of 1 s let beat's ticks
# outrun a worker and pile up. A poll is one indexed SELECT on a small file. (This transport
# hands every transport option to SQLAlchemy's create_engine, so it cannot be set there.)
kombu_sqlalchemy.Transport.polling_interval = 0.1

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wiredesk.project.settings")

app = Celery("wiredesk", task_cls="celery.contrib.django.task:DjangoTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

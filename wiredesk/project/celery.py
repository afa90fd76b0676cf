"""The Celery application: the same code on the embedded SQLite broker and on Redis/RabbitMQ."""

import os

from celery import Celery

import wiredesk.core.broker  # noqa: F401  (registers the embedded broker's sqlite:// scheme)

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wiredesk.project.settings")

app = Celery("wiredesk", task_cls="celery.contrib.django.task:DjangoTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

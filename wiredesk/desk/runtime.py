"""The runtime's health page in the admin: each process, its heartbeat and restarts, and the queue."""

from __future__ import annotations

import datetime as dt
import shutil

from celery import current_app  # the wiredesk app: Celery's Django fix-up makes it the default

from django.contrib import admin
from django.conf import settings
from django.contrib.admin.views.decorators import staff_member_required
from django.db import DatabaseError
from django.template.response import TemplateResponse

from wiredesk.core.broker import dead_count, is_embedded
from wiredesk.core.heartbeat import read_status
from wiredesk.core.outbox import outbox_size
from wiredesk.core.queue import queue_state
from wiredesk.sources.models import Source

STATUS_STALE = 10.0  # seconds: a status file older than this was left by a supervisor that stopped


def _moment(epoch: float | None) -> dt.datetime | None:
    return dt.datetime.fromtimestamp(epoch, tz=dt.timezone.utc) if epoch else None


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return ""
    seconds = int(seconds)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {minutes} min"
    return f"{minutes} min {secs} s" if minutes else f"{secs} s"


@staff_member_required
def runtime_health(request):
    status = read_status()
    now = dt.datetime.now(tz=dt.timezone.utc)
    processes = []
    for row in (status or {}).get("processes", []):
        started = _moment(row.get("started_at"))
        age, limit = row.get("heartbeat_age"), row.get("stale_after")
        processes.append({
            "name": row.get("name", ""),
            "state": row.get("state", ""),
            "pid": row.get("pid"),
            "uptime": _duration((now - started).total_seconds()) if started else "",
            "restarts": row.get("restarts", 0),
            "last_cause": row.get("last_cause", ""),
            "last_cause_at": _moment(row.get("last_cause_at")),
            "heartbeat": _duration(age) + " ago" if age is not None else "not watched",
            "late": bool(age is not None and limit and age > limit / 2),
            "recent": [{"at": _moment(r.get("at")), "cause": r.get("cause", "")} for r in row.get("recent_restarts", [])][::-1],
        })
    queue = queue_state(current_app)
    try:
        usage = shutil.disk_usage(settings.DATA_DIR)
        disk = {"free_mb": usage.free // 2**20, "total_mb": usage.total // 2**20, "low": usage.free < usage.total * 0.05}
    except OSError:
        disk = None
    try:
        storage_errors = list(Source.objects.filter(last_error__startswith="storage:").order_by("name")
                              .values("id", "name", "last_error", "last_error_at"))
    except DatabaseError as exc:
        storage_errors = [{"id": None, "name": "(the database cannot be read)", "last_error": str(exc)[:300],
                           "last_error_at": None}]
    try:
        outbox = outbox_size()
    except DatabaseError:
        outbox = None
    url = current_app.conf.broker_url or ""
    set_aside = dead_count(url) if is_embedded(url) else 0
    context = {
        **admin.site.each_context(request),
        "outbox": outbox,
        "set_aside": set_aside,
        "title": "Runtime health",
        "status": status,
        "supervised": bool(status) and not status.get("stopped") and status.get("age", 1e9) < STATUS_STALE,
        "status_age": _duration(status.get("age")) if status else "",
        "processes": processes,
        "queue": queue,
        "disk": disk,
        "storage_errors": storage_errors,
        "queue_wait": _duration(queue.oldest_wait) if queue.oldest_wait is not None else "",
    }
    return TemplateResponse(request, "core/health.html", context)

"""Celery tasks of the desk: thin wrappers over one service each."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from wiredesk.desk.services.alerts import alerts_check


@shared_task(ignore_result=True, soft_time_limit=120, time_limit=150)
def check_source_alerts() -> dict:
    """Beat: raise and clear source-health alerts (desk.services.alerts)."""
    report = alerts_check(now=timezone.now())
    return {"raised": report.raised, "cleared": report.cleared, "emailed": report.emailed}

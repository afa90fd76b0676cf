"""Reads of news-release submissions for moderation and the scheduled tick."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.db.models import Q

from wiredesk.releases.models import AuditEntry, Submission, SubmissionImage

if TYPE_CHECKING:
    from django.db.models import QuerySet

Status = Submission.Status
QUEUE_STATUSES = (Status.RECEIVED, Status.IN_REVIEW)


def submissions_queue() -> "QuerySet[Submission]":
    """Verified submissions waiting for a moderator's decision, oldest first."""
    return Submission.objects.filter(status__in=QUEUE_STATUSES).select_related("brand").order_by("created_at", "id")


def submissions_due(*, now: dt.datetime) -> list[int]:
    """Ids of approved submissions whose embargo has passed, in embargo order."""
    return list(
        Submission.objects.filter(status=Status.SCHEDULED)
        .filter(Q(embargo_until__lte=now) | Q(embargo_until__isnull=True))
        .order_by("embargo_until", "id")
        .values_list("id", flat=True)
    )


def submissions_past_retention(*, before: dt.datetime) -> "QuerySet[Submission]":
    """Submissions created before the cut-off whose contact details are not yet purged."""
    return Submission.objects.filter(created_at__lt=before, contact_purged_at__isnull=True).order_by("id")


def draft_images_stale(*, before: dt.datetime) -> "QuerySet[SubmissionImage]":
    """Images uploaded with a form that was never sent, older than the cut-off."""
    return SubmissionImage.objects.filter(submission__isnull=True, created_at__lt=before).order_by("id")


def audit_entries(*, submission: Submission) -> "QuerySet[AuditEntry]":
    """What was done to a submission, newest first, with who did it."""
    return AuditEntry.objects.filter(submission=submission).select_related("actor")


def check_results(*, submission: Submission) -> list[dict]:
    """The stored automated check results as ``{code, ok, message}`` dicts (bad rows skipped)."""
    rows = (submission.checks or {}).get("results", []) if isinstance(submission.checks, dict) else []
    return [
        {"code": str(r.get("code", "")), "ok": bool(r.get("ok")), "message": str(r.get("message", ""))}
        for r in rows
        if isinstance(r, dict)
    ]

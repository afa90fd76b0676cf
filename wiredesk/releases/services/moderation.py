"""Moderation of news releases: approve, schedule, decline, the audit log, the decision email
and the scheduled tick (publish what is due, purge old contact details and stale drafts).

Every state change is a conditional write on a locked row, so two moderators (or a moderator
and the tick) acting at once change a submission once. Mail is queued after the commit.
Log lines name submissions by id only: never an address, a phone number or a name.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from email.utils import formataddr

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.core.validators import validate_email
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from wiredesk.releases.queue import decision_send_later
from wiredesk.releases import selectors
from wiredesk.releases.models import AuditEntry, Submission
from wiredesk.releases.services.publish import release_publish
from wiredesk.text.chars import one_line
from wiredesk.text.dates import format_local

log = logging.getLogger("wiredesk.releases")

Status = Submission.Status
APPROVABLE = frozenset({Status.RECEIVED, Status.IN_REVIEW, Status.SCHEDULED, Status.PUBLISHED})
DECLINABLE = frozenset({Status.RECEIVED, Status.IN_REVIEW, Status.SCHEDULED})
DRAFT_MAX_AGE = dt.timedelta(days=1)
_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
REASON_MAX = 4000


class ModerationError(Exception):
    """An action that does not apply to the submission as it now stands."""


# --- the audit log ------------------------------------------------------------------------------

def audit_record(*, submission: Submission, actor, action: str, detail: str = "") -> AuditEntry:
    """Write one audit entry: who (None for the scheduler), what, and when (now)."""
    return AuditEntry.objects.create(
        submission=submission, actor=actor if getattr(actor, "pk", None) else None, action=action[:40], detail=detail,
    )


def _in_review(submission: Submission) -> None:
    # A moderator has started on it: the submitter's status page says "in review".
    if Submission.objects.filter(pk=submission.pk, status=Status.RECEIVED).update(status=Status.IN_REVIEW):
        submission.status = Status.IN_REVIEW


def submission_edited(*, submission: Submission, actor, fields: list[str]) -> None:
    """Record a moderator's edit by the names of the changed fields (never their values)."""
    if not fields:
        return
    with transaction.atomic():
        _in_review(submission)
        audit_record(submission=submission, actor=actor, action="edit", detail="changed: " + ", ".join(fields))
    log.info("release edited submission_id=%s fields=%s", submission.pk, ",".join(fields))


def submission_previewed(*, submission: Submission, actor) -> None:
    """Record that a moderator looked at the preview."""
    with transaction.atomic():
        _in_review(submission)
        audit_record(submission=submission, actor=actor, action="preview")


def _locked(submission: Submission) -> Submission:
    # The row as it stands now, locked: the caller's copy may be a page older than a decision
    # another moderator (or the tick) has taken since.
    return Submission.objects.select_for_update().select_related("brand").get(pk=submission.pk)


def _queue_decision_email(submission_id: int) -> None:
    decision_send_later(submission_id=submission_id)


def submission_approve(*, submission: Submission, actor, now: dt.datetime | None = None) -> str:
    """Publish now, or schedule for the embargo; returns "published", "scheduled" or "republished"."""
    now = now or timezone.now()
    with transaction.atomic():
        fresh = _locked(submission)
        if fresh.status not in APPROVABLE:
            raise ModerationError(f"A submission that is {fresh.get_status_display()} cannot be approved.")
        if fresh.status == Status.PUBLISHED:
            release_publish(submission=fresh, now=now)
            audit_record(submission=fresh, actor=actor, action="publish", detail="published again with the edits")
            outcome = "republished"
        elif fresh.embargo_until and fresh.embargo_until > now:
            was = fresh.status
            Submission.objects.filter(pk=fresh.pk).update(status=Status.SCHEDULED, decided_at=now)
            fresh.status, fresh.decided_at = Status.SCHEDULED, now
            audit_record(submission=fresh, actor=actor, action="approve")
            audit_record(
                submission=fresh, actor=actor, action="schedule",
                detail=f"embargoed until {fresh.embargo_until.astimezone(dt.timezone.utc):%Y-%m-%d %H:%M} UTC",
            )
            if was != Status.SCHEDULED:
                _queue_decision_email(fresh.pk)
            outcome = "scheduled"
        else:
            fresh.decided_at = now
            audit_record(submission=fresh, actor=actor, action="approve")
            release_publish(submission=fresh, now=now)
            audit_record(submission=fresh, actor=actor, action="publish")
            _queue_decision_email(fresh.pk)
            outcome = "published"
    for field in ("status", "article", "published_at", "decided_at"):
        setattr(submission, field, getattr(fresh, field))
    log.info("release approved submission_id=%s outcome=%s", submission.pk, outcome)
    return outcome


def submission_decline(*, submission: Submission, actor, reason: str, now: dt.datetime | None = None) -> None:
    """Decline with a reason, which is emailed to the submitter."""
    reason = (reason or "").strip()[:REASON_MAX]
    if not reason:
        raise ModerationError("Give the reason: it is sent to the submitter.")
    now = now or timezone.now()
    with transaction.atomic():
        fresh = _locked(submission)
        if fresh.status not in DECLINABLE:
            raise ModerationError(f"A submission that is {fresh.get_status_display()} cannot be declined.")
        Submission.objects.filter(pk=fresh.pk).update(status=Status.DECLINED, decline_reason=reason, decided_at=now)
        audit_record(submission=fresh, actor=actor, action="decline", detail=reason)
        _queue_decision_email(fresh.pk)
    submission.status, submission.decline_reason, submission.decided_at = Status.DECLINED, reason, now
    log.info("release declined submission_id=%s", submission.pk)


# --- the decision email -------------------------------------------------------------------------

def _recipient(submission: Submission) -> str | None:
    """The submitter's address for a To header, or None when it is missing or not one address.

    CR, LF and separators never reach a header: the name is folded to one line and an address
    that is not exactly one valid mailbox is refused rather than repaired.
    """
    address = (submission.contact_email or "").strip()
    if not address or any(ch in address for ch in "\r\n\t ,;<>\"'()") or not address.isprintable():
        return None
    try:
        validate_email(address)
    except ValidationError:
        return None
    name = "".join(ch for ch in one_line(submission.contact_name) if ch.isprintable())
    return formataddr((name, address)) if name else address


def _sender(brand) -> str:
    return formataddr((one_line(brand.name), settings.DEFAULT_FROM_EMAIL))


def _decision_context(submission: Submission) -> dict:
    """What the decision email says: the outcome, the reason or the time, and the links."""
    from wiredesk.brands.selectors import brand_origin
    from wiredesk.releases.tokens import status_url

    brand = submission.brand
    context = {
        "brand_name": one_line(brand.name),
        "headline": one_line(submission.headline),
        "name": one_line(submission.contact_name),
        "outcome": submission.status,
        "reason": submission.decline_reason,
        "status_url": status_url(submission),
        "accent": brand.accent_color if _COLOUR.match(brand.accent_color or "") else "#0b5394",
    }
    if submission.status == Status.SCHEDULED and submission.embargo_until:
        context["when"] = format_local(submission.embargo_until, brand.tz)
    if submission.status == Status.PUBLISHED and submission.article is not None:
        article = submission.article
        context["article_url"] = brand_origin(brand=brand) + reverse("article", args=[article.id, article.slug])
    return context


SUBJECTS = {
    Status.DECLINED: "Your news release was not accepted",
    Status.SCHEDULED: "Your news release is scheduled",
    Status.PUBLISHED: "Your news release is published",
}


def _decision_message(submission: Submission) -> EmailMultiAlternatives | None:
    """The decision email (plain text and HTML), or None when there is nothing to send."""
    to = _recipient(submission=submission)
    if to is None or submission.status not in SUBJECTS:
        return None
    context = _decision_context(submission=submission)
    subject = f"{SUBJECTS[submission.status]}: {context['headline']}"
    if len(subject) > 150:
        subject = subject[:149].rstrip() + "\u2026"
    message = EmailMultiAlternatives(
        subject=" ".join(subject.split()),
        body=render_to_string("releases/decision/message.txt", context),
        from_email=_sender(submission.brand),
        to=[to],
        # RFC 3834: an automatic message, so autoresponders stay quiet.
        headers={"Auto-Submitted": "auto-generated"},
    )
    message.attach_alternative(render_to_string("releases/decision/message.html", context), "text/html")
    return message


def decision_send(*, submission_id: int) -> None:
    """Email the submitter the moderator's decision (the task sends this after the commit)."""
    submission = Submission.objects.select_related("brand", "article").filter(pk=submission_id).first()
    if submission is None:
        log.info("decision mail dropped submission_id=%s reason=gone", submission_id)
        return
    if submission.status not in SUBJECTS:
        log.info("decision mail dropped submission_id=%s status=%s", submission_id, submission.status)
        return
    message = _decision_message(submission=submission)
    if message is None:
        log.warning("decision mail skipped submission_id=%s reason=no-usable-address", submission_id)
        return
    try:
        message.send()
    except Exception as exc:
        # Only the kind of failure: a refusal quotes the address, a traceback would carry it.
        log.warning("decision mail failed submission_id=%s error=%s", submission_id, type(exc).__name__)
        return
    log.info("decision mail sent submission_id=%s status=%s", submission_id, submission.status)


# --- the scheduled tick -------------------------------------------------------------------------

def releases_publish_due(*, now: dt.datetime) -> int:
    """Publish the scheduled releases whose embargo has passed; returns how many."""
    published = 0
    for submission_id in selectors.submissions_due(now=now):
        try:
            with transaction.atomic():
                submission = (
                    Submission.objects.select_for_update().select_related("brand")
                    .filter(pk=submission_id, status=Status.SCHEDULED).first()
                )
                if submission is None or (submission.embargo_until and submission.embargo_until > now):
                    continue  # published by another tick, or the embargo was moved
                release_publish(submission=submission, now=now)
                audit_record(submission=submission, actor=None, action="publish", detail="the embargo passed")
            published += 1
        except Exception:  # one bad release never holds back the others
            log.exception("scheduled publication failed submission_id=%s", submission_id)
    return published


def contacts_purge(*, now: dt.datetime) -> int:
    """Clear the contact details of submissions older than the retention period; returns how many.

    The organisation stays on published releases, where it is credited in public anyway.
    """
    days = settings.RELEASES["retention_days"]
    purged = 0
    for submission in selectors.submissions_past_retention(before=now - dt.timedelta(days=days)).iterator():
        changes = {"contact_name": "", "contact_email": "", "contact_phone": "", "contact_purged_at": now}
        if submission.status != Status.PUBLISHED:
            changes["contact_organisation"] = ""
        with transaction.atomic():
            if not Submission.objects.filter(pk=submission.pk, contact_purged_at__isnull=True).update(**changes):
                continue
            audit_record(submission=submission, actor=None, action="purge",
                         detail=f"contact details purged after {days} days")
        purged += 1
    if purged:
        log.info("release contacts purged count=%s retention_days=%s", purged, days)
    return purged


def draft_images_purge(*, now: dt.datetime) -> int:
    """Delete draft images (never attached to a sent form) older than a day, files included."""
    stale = list(selectors.draft_images_stale(before=now - DRAFT_MAX_AGE))
    for image in stale:
        image_id, name, storage = image.pk, image.file.name, image.file.storage
        image.delete()
        if name:
            try:
                storage.delete(name)
            except OSError:
                log.warning("draft image file not deleted image_id=%s", image_id)
    if stale:
        log.info("release draft images purged count=%s", len(stale))
    return len(stale)


def submissions_tick(*, now: dt.datetime | None = None) -> dict:
    """The beat's releases tick: publish what is due, purge old contacts and stale drafts."""
    now = now or timezone.now()
    report = {
        "published": releases_publish_due(now=now),
        "purged": contacts_purge(now=now),
        "drafts_deleted": draft_images_purge(now=now),
    }
    log.debug("releases tick published=%s purged=%s drafts_deleted=%s", *report.values())
    return report

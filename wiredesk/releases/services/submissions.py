"""The public side of news releases: draft images, sending, the verification mail, verifying.

A submission starts ``unverified`` and enters the moderation queue (``received``) only once
the contact address confirms it through the signed link. Mail leaves through a task after
commit, at most one verification mail per address per hour (kept in the audit log, so every
web process sees it); a release sent within that hour is confirmed from the earlier mail's
page, which lists the address's other waiting releases. Logs name ids, never an address, a
phone number or an IP.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from email.utils import formataddr

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string

from wiredesk.core.ratelimit import Limit, hit, ip_bucket, mailbox_bucket
from wiredesk.core.locks import name_lock
from wiredesk.releases import checks, images
from wiredesk.releases.queue import verification_send_later
from wiredesk.releases.models import AuditEntry, Submission, SubmissionImage
from wiredesk.releases.tokens import VERIFY_MAX_AGE, read_token, status_url, verify_url
from wiredesk.text.dates import retry_when

log = logging.getLogger(__name__)

Status = Submission.Status

# Every POST of the form (a check stores images too), then every release sent, per IP.
FORM_LIMITS = (Limit("release-form-10min", 30, 600), Limit("release-form-day", 150, 24 * 3600))
SEND_LIMITS = (Limit("release-send-day", 10, 24 * 3600),)
# Address variants that reach one inbox (dots at Gmail, +tags) share this budget, on top of the
# one mail an hour per exact address.
MAILBOX_LIMIT = Limit("release-mail-mailbox", 2, 3600)
ADDRESS_DAY_MAX = 5  # releases per contact address per 24 hours
MAIL_INTERVAL = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)

# Audit actions of the public side (the moderation side adds its own).
AUDIT_SUBMITTED = "submitted"
AUDIT_MAIL = "verification mail queued"
AUDIT_MAIL_FAILED = "verification mail failed"
AUDIT_VERIFIED = "verified"


# --- configuration ------------------------------------------------------------------------------


def check_limits() -> checks.CheckLimits:
    return checks.CheckLimits.from_settings(settings.RELEASES)


def image_limits() -> images.ImageLimits:
    return images.ImageLimits(settings.RELEASES["max_image_bytes"], settings.RELEASES["max_image_pixels"],
                              settings.RELEASES["max_image_side"])


def max_images() -> int:
    return settings.RELEASES["max_images"]


# --- rate limits --------------------------------------------------------------------------------


def _waits(limits, subject: str, now: dt.datetime) -> int | None:
    waits = [w for w in (hit(limit, subject, now=now.timestamp()) for limit in limits) if w]
    return max(waits) if waits else None


def form_wait(*, ip: str, now: dt.datetime) -> int | None:
    """Count a POST of the form from an IP; None when allowed, else seconds to wait (Retry-After)."""
    return _waits(FORM_LIMITS, ip_bucket(ip), now)


def send_wait(*, ip: str, email: str, now: dt.datetime) -> int | None:
    """None when this IP and address may send a release now, else seconds to wait."""
    recent = Submission.objects.filter(contact_email=email, created_at__gt=now - DAY).order_by("created_at")
    if recent.count() >= ADDRESS_DAY_MAX:
        return max(1, int((recent.first().created_at + DAY - now).total_seconds()) + 1)
    return _waits(SEND_LIMITS, ip_bucket(ip), now)


# --- draft images -------------------------------------------------------------------------------


def drafts_for(*, draft_key: str | None) -> list[SubmissionImage]:
    """The draft images of one form, by place."""
    if not draft_key:
        return []
    return list(SubmissionImage.objects.filter(draft_key=draft_key, submission__isnull=True).order_by("position"))


def _file_delete(image: SubmissionImage) -> None:
    name, storage = image.file.name, image.file.storage
    if name:
        transaction.on_commit(lambda: storage.delete(name), robust=True)


DRAFT_ATTEMPTS = 3


def drafts_update(
    *, draft_key: str, new: dict[int, images.Prepared], texts: dict[int, tuple[str, str]], removed: set[int]
) -> list[SubmissionImage]:
    """Store newly accepted images, drop removed or replaced ones, keep captions; return the drafts.

    Two posts of one form at once (a double click, two tabs) may both find a place empty and
    both fill it: the database keeps one image per place, the later post's write fails, and it
    is done again on what the other stored, so the later upload replaces the earlier one."""
    for attempt in range(1, DRAFT_ATTEMPTS):
        try:
            return _drafts_write(draft_key=draft_key, new=new, texts=texts, removed=removed)
        except IntegrityError:
            log.info("release image place taken concurrently, writing again attempt=%s", attempt)
    return _drafts_write(draft_key=draft_key, new=new, texts=texts, removed=removed)


def _drafts_write(
    *, draft_key: str, new: dict[int, images.Prepared], texts: dict[int, tuple[str, str]], removed: set[int]
) -> list[SubmissionImage]:
    with transaction.atomic():
        existing = {d.position: d for d in drafts_for(draft_key=draft_key)}
        for position in (removed | set(new)) & set(existing):
            _file_delete(existing[position])
            existing.pop(position).delete()
        for position, prepared in sorted(new.items()):
            caption, credit = texts.get(position, ("", ""))
            image = SubmissionImage(draft_key=draft_key, position=position, caption=caption, credit=credit)
            # The name is ours: random hex and the real format's extension, never the upload's name.
            image.file.save(images.stored_name(prepared), ContentFile(prepared.data), save=False)
            # (Set after the file: assigning it resets the dimension fields.)
            image.width, image.height = prepared.width, prepared.height
            try:
                image.save()
            except IntegrityError:  # the place was taken meanwhile: no file left behind
                image.file.storage.delete(image.file.name)
                raise
            log.info("release image drafted image_id=%s format=%s", image.pk, prepared.format)
        for position, image in existing.items():
            caption, credit = texts.get(position, (image.caption, image.credit))
            if (caption, credit) != (image.caption, image.credit):
                image.caption, image.credit = caption, credit
                image.save(update_fields=["caption", "credit"])
    return drafts_for(draft_key=draft_key)


def draft_thumbnails(*, drafts) -> dict[int, str]:
    """Small previews (data: URIs) of draft images: drafts are not served to the public."""
    thumbs = {}
    for image in drafts:
        try:
            with image.file.open("rb") as f:
                thumbs[image.position] = images.thumbnail_data_uri(f.read())
        except (OSError, ValueError):
            log.warning("release image preview failed image_id=%s", image.pk)
    return thumbs


# --- checks -------------------------------------------------------------------------------------


def fingerprint_seen(*, fingerprint: str) -> bool:
    """Whether an earlier submission has this content fingerprint (the duplicate check's selector)."""
    return bool(fingerprint) and Submission.objects.filter(fingerprint=fingerprint).exists()


def release_checks(*, release: checks.ReleaseText) -> tuple[list[checks.CheckResult], str]:
    """Run every check of a release; return the results and its content fingerprint."""
    fingerprint = checks.release_fingerprint(release)
    results = checks.run_checks(release, limits=check_limits(), duplicate=fingerprint_seen(fingerprint=fingerprint))
    return results, fingerprint


# --- sending ------------------------------------------------------------------------------------


def _address_lock(email: str) -> None:
    """Serialise sends from one address until the transaction ends."""
    name_lock(scope="wiredesk.releases.address", name=email)


def _mail_slot_free(email: str, now: dt.datetime) -> bool:
    recent = AuditEntry.objects.filter(submission__contact_email=email, at__gt=now - MAIL_INTERVAL)
    return recent.filter(action=AUDIT_MAIL).count() <= recent.filter(action=AUDIT_MAIL_FAILED).count()


def submission_create(
    *, brand, fields: dict, draft_key: str | None, results: list[checks.CheckResult], fingerprint: str,
    now: dt.datetime,
) -> Submission:
    """Create an unverified submission with its draft images; queue the verification mail after commit."""
    email = fields["contact_email"]
    with transaction.atomic():
        _address_lock(email)
        submission = Submission.objects.create(
            brand=brand, status=Status.UNVERIFIED, checks=checks.stored(results), fingerprint=fingerprint, **fields
        )
        attached = 0
        if draft_key:
            attached = SubmissionImage.objects.filter(draft_key=draft_key, submission__isnull=True).update(
                submission=submission, draft_key=""
            )
        AuditEntry.objects.create(submission=submission, action=AUDIT_SUBMITTED, detail=f"images={attached}")
        log.info("release submitted submission_id=%s brand_id=%s images=%s", submission.pk, brand.pk, attached)
        if _mail_slot_free(email, now) and not hit(MAILBOX_LIMIT, mailbox_bucket(email), now=now.timestamp()):
            AuditEntry.objects.create(submission=submission, action=AUDIT_MAIL)
            submission_id = submission.pk
            verification_send_later(submission_id=submission_id)
        else:
            log.info("release mail skipped submission_id=%s reason=hourly-limit", submission.pk)
    return submission


def verification_send(*, submission_id: int) -> None:
    """Send the verification mail of a submission: its confirm link and its status link."""
    submission = Submission.objects.select_related("brand").filter(pk=submission_id).first()
    if submission is None or submission.status != Status.UNVERIFIED or not submission.contact_email:
        log.info("release mail dropped submission_id=%s", submission_id)
        return
    brand = submission.brand
    context = {
        "brand": brand, "headline": submission.headline, "verify_url": verify_url(submission),
        "status_url": status_url(submission), "hours": VERIFY_MAX_AGE // 3600,
    }
    message = EmailMultiAlternatives(
        subject=" ".join(f"Confirm your news release to {brand.name}".split()),
        body=render_to_string("releases/mail/verify.txt", context),
        from_email=formataddr((brand.name, settings.DEFAULT_FROM_EMAIL)),
        # The address alone, never the submitted name: nothing typed reaches a header unchecked.
        to=[submission.contact_email],
        headers={"Auto-Submitted": "auto-generated"},  # RFC 3834: autoresponders stay quiet
    )
    message.attach_alternative(render_to_string("releases/mail/verify.html", context), "text/html")
    try:
        message.send()
    except Exception as exc:
        # Free the hourly slot, so a new send may mail the address again. Only the kind of
        # failure is logged: a refusal quotes the address, and a traceback would carry it.
        AuditEntry.objects.create(submission=submission, action=AUDIT_MAIL_FAILED)
        log.warning("release mail failed submission_id=%s error=%s", submission_id, type(exc).__name__)
        return
    log.info("release mail sent submission_id=%s", submission_id)


# --- verifying and status -----------------------------------------------------------------------


@dataclass(frozen=True)
class Submitted:
    """What a post of the release form came to: ``invalid`` (the form says why), ``checked``
    (the sender asked for the checks only), ``wait`` (the address or network sent enough
    today: ``wait`` seconds), or ``sent`` (stored, the verification email queued)."""

    kind: str
    drafts: list
    results: list
    wait: int = 0


def release_submit(*, brand, form, draft_key: str, ip: str, now: dt.datetime) -> Submitted:
    """The release form's one action, on a form already validated (``form.is_valid()``) and
    not from a bot: keep its images as drafts, run the checks, and store the release for
    verification when the sender asked to send it, it passes and the limits allow. Errors for
    the sender are added to ``form``."""
    drafts = drafts_for(draft_key=draft_key)
    if not form.trapped:
        # The form checked the uploads; here they are decoded and written anew (a file whose
        # pixels cannot be read is refused on its place in the form).
        prepared = {}
        for place, (data, kind) in sorted(form.uploads.items()):
            try:
                prepared[place] = images.image_reencode(data, kind=kind, limits=form.image_limits)
            except images.ImageRefused as refused:
                form.add_error(f"image_{place}", refused.message)
        drafts = drafts_update(draft_key=draft_key, new=prepared, texts=form.image_texts(), removed=form.removed())
    results, fingerprint = release_checks(release=form.release_text(drafts))
    if form.errors:
        return Submitted("invalid", drafts, results)
    if form.action == "check":
        return Submitted("checked", drafts, results)
    for result in checks.blocking(results):
        form.add_error("body", result.message)
    if form.errors:
        return Submitted("invalid", drafts, results)
    wait = send_wait(ip=ip, email=form.cleaned_data["contact_email"], now=now)
    if wait:
        form.add_error(None, "Too many releases were sent from this address or network today, so this one "
                             f"was not sent. Please try again {retry_when(wait, now=now, tz=brand.tz)}; "
                             "your text is kept below.")
        return Submitted("wait", drafts, results, wait=wait)
    submission_create(brand=brand, fields=form.submission_fields(), draft_key=draft_key, results=results,
                      fingerprint=fingerprint, now=now)
    return Submitted("sent", drafts, results)


def submission_for_token(*, brand, purpose: str, token: str) -> Submission | None:
    """The brand's submission a signed link names, or None for an altered, expired or foreign link."""
    key = read_token(purpose, token)
    if key is None or brand is None:
        return None
    return Submission.objects.select_related("brand", "article").filter(brand=brand, key=key).first()


def submissions_waiting_alongside(*, submission: Submission, now: dt.datetime) -> list[Submission]:
    """The address's other unverified releases to the brand, recent enough to confirm from this link."""
    if not submission.contact_email:
        return []
    return list(
        Submission.objects.filter(
            brand=submission.brand, contact_email=submission.contact_email, status=Status.UNVERIFIED,
            created_at__gt=now - dt.timedelta(seconds=VERIFY_MAX_AGE),
        ).exclude(pk=submission.pk).order_by("created_at")
    )


def submission_verify(*, submission: Submission, also: list[int], now: dt.datetime) -> list[Submission]:
    """Confirm a submission (and the ticked ones waiting alongside it); return them as they now are."""
    allowed = {s.pk for s in submissions_waiting_alongside(submission=submission, now=now)}
    ids = [submission.pk] + [pk for pk in also if pk in allowed]
    with transaction.atomic():
        for pk in ids:
            if Submission.objects.filter(pk=pk, status=Status.UNVERIFIED).update(status=Status.RECEIVED,
                                                                                 verified_at=now):
                AuditEntry.objects.create(submission_id=pk, action=AUDIT_VERIFIED)
                log.info("release verified submission_id=%s", pk)
    found = {s.pk: s for s in Submission.objects.select_related("brand").filter(pk__in=ids)}
    return [found[pk] for pk in ids if pk in found]


# --- images -------------------------------------------------------------------------------------


def image_for_name(*, name: str) -> SubmissionImage | None:
    """The stored image with this server-made name, with its submission."""
    if not images.NAME_PATTERN.match(name):
        return None
    return SubmissionImage.objects.select_related("submission").filter(file=f"releases/{name}").first()


def image_visible(*, image: SubmissionImage, brand, user) -> bool:
    """Published releases' images on their brand's site; any image to logged-in staff (the preview)."""
    if user.is_authenticated and user.is_staff:
        return True
    submission = image.submission
    return submission is not None and submission.status == Status.PUBLISHED and submission.brand_id == getattr(
        brand, "pk", None)

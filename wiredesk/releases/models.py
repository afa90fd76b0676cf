"""News releases submitted by the public to one brand, their images, and the moderation log.

A submission is personal data until published: the contact block is never shown unless the
submitter asks for it, and is purged after the retention period. Signed links carry the
random ``key``, never the row id.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from wiredesk.core.signed import new_key  # the field default (migrations name it here)



class Submission(models.Model):
    class Category(models.TextChoices):
        BUSINESS = "business", "Business"
        COMMUNITY = "community", "Community group"
        SPORTS = "sports", "Sports group"
        APPOINTMENT = "appointment", "Personnel appointment"
        EVENT = "event", "Event"
        OTHER = "other", "Other"

    class Status(models.TextChoices):
        UNVERIFIED = "unverified", "waiting for the email address to be confirmed"
        RECEIVED = "received", "received"
        IN_REVIEW = "in_review", "in review"
        SCHEDULED = "scheduled", "scheduled"
        PUBLISHED = "published", "published"
        DECLINED = "declined", "declined"

    brand = models.ForeignKey("brands.Brand", on_delete=models.CASCADE, related_name="submissions")
    key = models.CharField(max_length=32, unique=True, default=new_key, editable=False)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.UNVERIFIED)
    category = models.CharField(max_length=12, choices=Category.choices)
    headline = models.CharField(max_length=200)
    dateline_place = models.CharField(max_length=120, blank=True)
    # Publish at once on approval, or not before this instant (an embargo, entered in the
    # brand's time zone and stored in UTC).
    embargo_until = models.DateTimeField(null=True, blank=True)
    body = models.TextField(help_text="As submitted, reduced to the small safe HTML subset (paragraphs, emphasis, lists, links)")
    about = models.TextField(blank=True, help_text='"About the organisation" paragraph')
    website = models.URLField(max_length=500, blank=True)
    # The contact block: never public unless show_contact; purged after the retention period.
    contact_name = models.CharField(max_length=120, blank=True)
    contact_organisation = models.CharField(max_length=200, blank=True)
    contact_email = models.EmailField(max_length=254, blank=True)
    contact_phone = models.CharField(max_length=40, blank=True)
    show_contact = models.BooleanField(default=False)
    contact_purged_at = models.DateTimeField(null=True, blank=True)
    checks = models.JSONField(default=dict, blank=True, help_text="Results of the automated checks")
    fingerprint = models.CharField(max_length=64, blank=True, db_index=True)
    decline_reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    verified_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    article = models.OneToOneField(
        "stories.Article", null=True, blank=True, on_delete=models.SET_NULL, related_name="release"
    )

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["status", "embargo_until"], name="release_status_embargo"),
            models.Index(fields=["contact_email", "created_at"], name="release_contact_recent"),
        ]

    def __str__(self) -> str:
        return f"release {self.pk}: {self.headline[:60]}"


class SubmissionImage(models.Model):
    """An uploaded image, re-encoded without metadata under a server-made name.

    Rows without a submission are drafts: images uploaded with a form that came back with an
    error, found again through ``draft_key`` and purged after a day if never submitted.
    """

    submission = models.ForeignKey(Submission, null=True, blank=True, on_delete=models.CASCADE, related_name="images")
    draft_key = models.CharField(max_length=32, blank=True, db_index=True)
    file = models.ImageField(upload_to="releases/", width_field="width", height_field="height")
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    caption = models.CharField(max_length=300, blank=True)
    credit = models.CharField(max_length=120, blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            # One draft image per place of a form: two uploads racing for the same form can
            # never leave more images than the form has places.
            models.UniqueConstraint(
                fields=["draft_key", "position"], condition=models.Q(submission__isnull=True) & ~models.Q(draft_key=""),
                name="release_draft_image_place",
            ),
        ]


class AuditEntry(models.Model):
    """Who did what to a submission, and when (never edited, never deleted with the row)."""

    submission = models.ForeignKey(Submission, null=True, on_delete=models.SET_NULL, related_name="audit")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    action = models.CharField(max_length=40)
    detail = models.TextField(blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name_plural = "audit entries"

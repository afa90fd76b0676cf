"""Subscribers of a brand's daily email, its editions, and one delivery row per recipient.

Exactly once rests on two unique constraints: one Edition per (brand, local date) and one
Delivery per (edition, subscriber). A delivery moves pending -> sending -> sent / failed /
unknown (or pending -> skipped when the subscriber left before their turn); "sending" is committed before the message is handed over, so a sender that dies
leaves at most the row it was on in "sending", which the next sender marks unknown instead
of sending again.
"""

from __future__ import annotations

from django.db import models

from wiredesk.core.signed import new_key  # the field default (migrations name it here)

from wiredesk.core.sections import SECTIONS

DEFAULT_SECTIONS = ["world", "business"]



def default_sections() -> list[str]:
    return list(DEFAULT_SECTIONS)


class Subscriber(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "pending confirmation"
        CONFIRMED = "confirmed", "confirmed"
        UNSUBSCRIBED = "unsubscribed", "unsubscribed"
        SUPPRESSED = "suppressed", "suppressed (bounce or complaint)"

    brand = models.ForeignKey("brands.Brand", on_delete=models.CASCADE, related_name="subscribers")
    email = models.EmailField(max_length=254, help_text="Stored lower-cased")
    key = models.CharField(max_length=32, unique=True, default=new_key, editable=False)
    sections = models.JSONField(default=default_sections)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)
    # The consent record: when and from where the address asked and confirmed.
    signup_ip = models.GenericIPAddressField(null=True, blank=True)
    confirmation_sent_at = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    confirmed_ip = models.GenericIPAddressField(null=True, blank=True)
    confirmed_user_agent = models.CharField(max_length=300, blank=True)
    unsubscribed_at = models.DateTimeField(null=True, blank=True)
    unsubscribed_via = models.CharField(max_length=20, blank=True)
    suppressed_at = models.DateTimeField(null=True, blank=True)
    suppressed_reason = models.CharField(max_length=20, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["brand", "email"], name="subscriber_unique_email")]
        indexes = [
            models.Index(fields=["brand", "status", "id"], name="subscriber_brand_status"),
            models.Index(fields=["email"], name="subscriber_email"),
        ]

    def __str__(self) -> str:
        return f"subscriber {self.pk}"

    @property
    def section_list(self) -> list[str]:
        return [s for s in SECTIONS if s in (self.sections or [])]


class MailEvent(models.Model):
    """A bounce or complaint reported by the mail provider (anymail's tracking webhook)."""

    class Kind(models.TextChoices):
        HARD_BOUNCE = "hard-bounce", "hard bounce"
        SOFT_BOUNCE = "soft-bounce", "soft bounce"
        COMPLAINT = "complaint", "complaint"

    subscriber = models.ForeignKey(Subscriber, null=True, blank=True, on_delete=models.SET_NULL, related_name="events")
    delivery = models.ForeignKey("Delivery", null=True, blank=True, on_delete=models.SET_NULL, related_name="events")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    esp = models.CharField(max_length=40, blank=True)
    esp_event_id = models.CharField(max_length=200, blank=True)
    occurred_at = models.DateTimeField()
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            # A webhook the provider delivers twice counts once.
            models.UniqueConstraint(
                fields=["esp", "esp_event_id"], name="mailevent_unique_esp_event",
                condition=~models.Q(esp_event_id=""),
            ),
        ]
        indexes = [models.Index(fields=["subscriber", "kind", "occurred_at"], name="mailevent_recent")]


class Edition(models.Model):
    """One brand's daily email for one local date."""

    class Status(models.TextChoices):
        BUILDING = "building", "building the recipient list"
        SENDING = "sending", "sending"
        DONE = "done", "done"

    brand = models.ForeignKey("brands.Brand", on_delete=models.CASCADE, related_name="editions")
    date = models.DateField(help_text="The brand's local date")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.BUILDING)
    created_at = models.DateTimeField(auto_now_add=True)
    since = models.DateTimeField(help_text="Stories first seen after this instant ...")
    cutoff = models.DateTimeField(help_text="... and up to this one")
    subject = models.CharField(max_length=200)
    stories = models.JSONField(default=dict, help_text="{section: [article ids]} in order")
    populated_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    skipped = models.BooleanField(
        default=False,
        help_text="Not sent: the platform was not running from before its hour until its grace ran out (done, no deliveries)",
    )
    # One sender at a time holds the lease; a sender that dies lets it expire.
    lease_owner = models.CharField(max_length=80, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["brand", "date"], name="edition_unique_brand_date")]
        ordering = ["-date", "brand_id"]

    def __str__(self) -> str:
        return f"{self.brand} {self.date}"


class Delivery(models.Model):
    class State(models.TextChoices):
        PENDING = "pending", "pending"
        SENDING = "sending", "sending"
        SENT = "sent", "sent"
        FAILED = "failed", "failed"
        UNKNOWN = "unknown", "unknown (the sender stopped mid-send)"
        SKIPPED = "skipped", "skipped (left or changed sections before it was sent)"

    edition = models.ForeignKey(Edition, on_delete=models.CASCADE, related_name="deliveries")
    # Erasing a subscriber keeps the edition's counts: the row forgets whom it was for.
    subscriber = models.ForeignKey(Subscriber, null=True, on_delete=models.SET_NULL, related_name="deliveries")
    state = models.CharField(max_length=8, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    claimed_by = models.CharField(max_length=80, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["edition", "subscriber"], name="delivery_unique_recipient"),
        ]
        indexes = [models.Index(fields=["edition", "state", "id"], name="delivery_edition_state")]
        verbose_name_plural = "deliveries"

    def __str__(self) -> str:
        return f"delivery {self.pk}"

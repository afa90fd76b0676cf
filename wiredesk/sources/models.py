"""A partner source: where its feed lives, how it may be republished and how polling goes."""

from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.db import models

from wiredesk.core.sections import SECTIONS


def validate_section_map(value) -> None:
    """A JSON object from the source's category names to our section names."""
    if not isinstance(value, dict):
        raise ValidationError('Give a JSON object, e.g. {"Markets": "business"}.')
    for category, section in value.items():
        if not isinstance(section, str) or section not in SECTIONS:
            raise ValidationError(f"{category!r} maps to {section!r}; sections are: {', '.join(SECTIONS)}.")


def validate_section(value: str) -> None:
    if value not in SECTIONS:
        raise ValidationError(f"{value!r} is not a section; sections are: {', '.join(SECTIONS)}.")


class Source(models.Model):
    class Format(models.TextChoices):
        AUTO = "auto", "detect from the content"
        RSS = "rss", "RSS"
        ATOM = "atom", "Atom"
        JSONFEED = "jsonfeed", "JSON Feed"

    class Licence(models.TextChoices):
        FULL_TEXT = "full", "full text"
        EXCERPT = "excerpt", "excerpt only"

    class Kind(models.TextChoices):
        WIRE = "wire", "partner wire (polled)"
        RELEASES = "releases", "news releases submitted to a brand (never polled)"

    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.WIRE)
    credit = models.CharField(max_length=120, help_text="Credit shown on pages, e.g. RT.com")
    home_url = models.URLField(max_length=2000, blank=True)
    feed_url = models.URLField(max_length=2000, unique=True)
    format = models.CharField(max_length=16, choices=Format.choices, default=Format.AUTO)

    # Licence policy.
    licence = models.CharField(max_length=16, choices=Licence.choices, default=Licence.FULL_TEXT)
    closing_credit = models.CharField(
        max_length=200, blank=True, help_text="Shown at the end of each story, e.g. (RT.com)"
    )
    canonical_to_original = models.BooleanField(
        default=False, help_text="Article pages point rel=canonical at the original URL"
    )
    fetch_full_text = models.BooleanField(
        default=False, help_text="Always extract the article page, even when the feed has a body"
    )
    section_map = models.JSONField(
        default=dict, blank=True, validators=[validate_section_map], help_text='Source category to our section, e.g. {"Markets": "business"}'
    )
    default_section = models.CharField(max_length=40, default="world", validators=[validate_section])
    language = models.CharField(max_length=12, blank=True)

    # Polling state.
    class Withdrawals(models.TextChoices):
        FLAG = "flag", "Flag it for an editor"
        FOLLOW = "follow", "Withdraw our copy too"

    withdrawals = models.CharField(
        max_length=8, choices=Withdrawals.choices, default=Withdrawals.FLAG,
        help_text="When the source withdraws a story (its page answers 404 or 410 on a recheck, or its feed "
                  "marks the item deleted): withdraw our copy at once, or flag it for an editor",
    )
    enabled = models.BooleanField(default=True)
    paused_reason = models.CharField(max_length=300, blank=True)
    etag = models.CharField(max_length=500, blank=True)
    last_modified = models.CharField(max_length=100, blank=True)
    min_interval_seconds = models.PositiveIntegerField(
        null=True, blank=True, help_text="Poll no more often than this (default from settings)"
    )
    next_check_at = models.DateTimeField(null=True, blank=True, db_index=True)
    # The feed's host name, kept with the row: the scheduler counts leases per host in SQL.
    host = models.CharField(max_length=255, blank=True, editable=False)
    lease_until = models.DateTimeField(null=True, blank=True, db_index=True)
    # The grant a queued refresh stands for: its task carries it, and runs only while the
    # source still holds it (cleared when the refresh starts; see ingest.services).
    lease_token = models.CharField(max_length=32, blank=True, editable=False, db_index=True)
    consecutive_errors = models.PositiveIntegerField(default=0)
    consecutive_crashes = models.PositiveIntegerField(
        default=0, help_text="Refreshes in a row that crashed (a bug or input no parser survives)")
    last_error = models.TextField(blank=True)
    last_error_at = models.DateTimeField(null=True, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    last_checked_at = models.DateTimeField(null=True, blank=True)
    last_status = models.PositiveIntegerField(null=True, blank=True)
    failing_since = models.DateTimeField(
        null=True, blank=True, help_text="When the current run of failed refreshes began (none while it succeeds)")
    last_new_at = models.DateTimeField(
        null=True, blank=True, help_text="When a refresh last stored a new article (the silence alert's clock)")

    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(fields=["enabled", "next_check_at"]), models.Index(fields=["host", "lease_until"])]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        self.host = feed_host(self.feed_url)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "feed_url" in update_fields:
            kwargs["update_fields"] = {*update_fields, "host"}
        super().save(*args, **kwargs)


def feed_host(url: str) -> str:
    """The host name a feed is fetched from, lower-cased ("" for an address without one)."""
    try:
        return (urlsplit(url or "").hostname or "").lower()[:255]
    except ValueError:
        return ""


class SourceDay(models.Model):
    """One source's polling on one day (UTC): the figures the health page draws.

    One row per source and day, updated in place by every refresh, so 30 days of history cost
    30 rows a source whatever its polling rate (10,000 feeds polled every 5 minutes would
    otherwise write 2.9 million rows a day)."""

    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="days")
    day = models.DateField()
    checks = models.PositiveIntegerField(default=0)
    errors = models.PositiveIntegerField(default=0)
    not_modified = models.PositiveIntegerField(default=0)
    new_items = models.PositiveIntegerField(default=0)
    timed = models.PositiveIntegerField(default=0, help_text="answers whose response time is counted")
    seconds_total = models.FloatField(default=0.0)
    seconds_max = models.FloatField(default=0.0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["source", "day"], name="one_health_row_per_source_day")]
        indexes = [models.Index(fields=["day"], name="health_day")]  # the alert window, the pruning

    def __str__(self) -> str:
        return f"{self.source_id} {self.day}"

    @property
    def mean_seconds(self) -> float | None:
        return self.seconds_total / self.timed if self.timed else None


class SourceAlert(models.Model):
    """A source in trouble, raised once and cleared when it recovers (sources.alerts)."""

    class Kind(models.TextChoices):
        FAILING = "failing", "failing"
        SILENT = "silent", "gone silent"

    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="alerts")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    detail = models.CharField(max_length=500)
    raised_at = models.DateTimeField()
    cleared_at = models.DateTimeField(null=True, blank=True)
    cleared_how = models.CharField(max_length=200, blank=True)
    notified = models.PositiveIntegerField(default=0, help_text="people the alert was emailed to")

    class Meta:
        ordering = ["-raised_at"]
        constraints = [
            # At most one open alert per source and kind, whoever checks: a second scheduler
            # that tries to raise the same alert at the same moment fails here and emails no one.
            models.UniqueConstraint(fields=["source", "kind"], condition=models.Q(cleared_at__isnull=True),
                                    name="one_open_alert_per_source_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.source} {self.get_kind_display()}"

    @property
    def is_open(self) -> bool:
        return self.cleared_at is None


class SourceFurniture(models.Model):
    """What a source's own pages have taught about its page furniture: how many new articles
    had each line (as keys, no text). See wiredesk/ingest/extract/furniture.py."""

    source = models.OneToOneField(Source, on_delete=models.CASCADE, primary_key=True, related_name="furniture")
    profile = models.JSONField(default=dict)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"furniture of source {self.source_id}"

"""Stored articles. Written only through wiredesk.stories.services."""

from django.db import models


class Article(models.Model):
    source = models.ForeignKey("sources.Source", on_delete=models.PROTECT, related_name="articles")
    guid = models.TextField()
    guid_key = models.CharField(max_length=64, help_text="sha256 of the GUID")
    canonical_url = models.URLField(max_length=2000, blank=True)
    url_key = models.CharField(max_length=64, blank=True, help_text="sha256 of the canonical URL")
    slug = models.SlugField(max_length=120, allow_unicode=False)

    title = models.TextField()
    body_html = models.TextField(help_text="Sanitized at ingest")
    lead_text = models.TextField(blank=True, help_text="Plain-text opening, lead included")
    author = models.CharField(max_length=300, blank=True)
    published_at = models.DateTimeField(db_index=True)
    updated_at = models.DateTimeField(null=True, blank=True, help_text="Upstream update time")

    # The lead parsed into fields.
    lead_kind = models.CharField(max_length=12, default="none")
    lead_raw = models.CharField(max_length=300, blank=True)
    dateline_place = models.CharField(max_length=120, blank=True, db_index=True)
    place_slug = models.SlugField(max_length=130, blank=True, db_index=False,
                                  help_text="The dateline place as the address of its page (st-agnes-bay)")
    dateline_date = models.DateField(null=True, blank=True)
    agency = models.CharField(max_length=120, blank=True)
    photo_credit = models.CharField(max_length=300, blank=True)
    credit_tag = models.CharField(max_length=120, blank=True)
    related = models.JSONField(default=list, blank=True, help_text="READ MORE links: [{title, url}]")
    images = models.JSONField(default=list, blank=True, help_text="[{url, caption, credit}]")

    section = models.CharField(max_length=40, db_index=True)
    language = models.CharField(max_length=12, blank=True)
    excerpt_only = models.BooleanField(default=False)

    fingerprint = models.CharField(max_length=64, db_index=True)
    raw_hash = models.CharField(max_length=64)
    duplicate_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="duplicates"
    )
    notes = models.TextField(blank=True, help_text="Pipeline notes, e.g. why extraction failed")
    revision = models.PositiveIntegerField(default=1)
    first_seen_at = models.DateTimeField(auto_now_add=True)
    changed_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-published_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["source", "guid_key"], name="article_unique_guid"),
        ]
        indexes = [
            models.Index(fields=["source", "url_key"], name="article_source_url"),
            models.Index(fields=["section", "-published_at"], name="article_section_recent"),
            # Source and place pages: one source's or place's newest stories without a sort
            # (ascending, so a backward walk gives published_at and id both descending).
            models.Index(fields=["source", "published_at"], name="article_source_recent"),
            models.Index(fields=["place_slug", "published_at"], name="article_place_recent"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_duplicate(self) -> bool:
        return self.duplicate_of_id is not None

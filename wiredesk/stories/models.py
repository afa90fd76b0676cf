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
    editor_notes = models.CharField(
        max_length=500, blank=True,
        help_text='The wire\'s own notes lifted out of the body ("Corrects spelling of the mayor\'s name")',
    )
    body_chars = models.PositiveIntegerField(default=0, help_text="Length of the body's text: how complete a copy is")
    copy_signature = models.BinaryField(
        blank=True, default=b"", help_text="MinHash of the body's shingles: near-identical copies share most values",
    )
    story = models.ForeignKey(
        "stories.Story", null=True, blank=True, on_delete=models.SET_NULL, related_name="members",
        help_text="The event this article reports, with other sources' coverage",
    )
    story_pinned = models.BooleanField(
        default=False, help_text="An editor put the article in its story (or split it out): clustering leaves it there",
    )
    revision = models.PositiveIntegerField(default=1)
    withdrawn_at = models.DateTimeField(
        null=True, blank=True, help_text="Set when an editor killed the article: it is shown nowhere, its page answers 410",
    )
    takedown = models.ForeignKey(
        "stories.Takedown", null=True, blank=True, on_delete=models.SET_NULL, related_name="articles",
        help_text="The kill that withdrew it (undone together with every copy it withdrew)",
    )
    revised_at = models.DateTimeField(null=True, blank=True, help_text="When a version readers can see last replaced "
                                                                        "the one they saw (the source's or an editor's)")
    corrected_at = models.DateTimeField(null=True, blank=True, help_text="When an editor last corrected it")
    correction_note = models.TextField(blank=True, help_text="The public correction note shown with it")
    editor_version = models.BooleanField(
        default=False, help_text="An editor's correction is shown: the source's later updates are kept and flagged, "
                                 "not shown",
    )
    flag = models.CharField(max_length=300, blank=True, help_text="Why an editor should look at it (a large or held "
                                                                   "upstream change)")
    flagged_at = models.DateTimeField(null=True, blank=True)
    gone_upstream_at = models.DateTimeField(
        null=True, blank=True, help_text="When the source withdrew it (its page gone, or its feed's tombstone)",
    )
    rechecked_at = models.DateTimeField(null=True, blank=True, help_text="When the source's page was last checked")
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
            models.Index(fields=["story", "published_at"], name="article_story_members"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_duplicate(self) -> bool:
        return self.duplicate_of_id is not None


class Story(models.Model):
    """One event as several sources reported it: its members are the articles about it.

    Written by the clustering stage (wiredesk.stories.services.placing) and by editors; its term
    postings (StoryPosting) are how a new article finds its candidate stories without a scan.
    """

    language = models.CharField(max_length=12, blank=True)
    first_seen_at = models.DateTimeField(help_text="Publication time of its earliest member")
    last_updated_at = models.DateTimeField(db_index=True, help_text="Publication time of its newest member")
    first_day = models.IntegerField(default=0, help_text="Days since the epoch of its earliest member (UTC)")
    last_day = models.IntegerField(default=0, help_text="Days since the epoch of its newest member (UTC)")
    size = models.PositiveIntegerField(default=0)
    centroid = models.JSONField(default=dict, blank=True, help_text="Its members' strongest terms and weights")
    lead = models.ForeignKey(
        Article, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        help_text="The member shown for the story where no brand preference applies",
    )
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="merged",
        help_text="Set when the story was found to be the same event as another",
    )
    apart = models.JSONField(default=list, blank=True, help_text="Stories an editor keeps apart from this one")
    created_at = models.DateTimeField(auto_now_add=True)
    changed_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-last_updated_at", "-id"]
        verbose_name_plural = "stories"

    def __str__(self) -> str:
        return f"Story {self.id}"


class StoryPosting(models.Model):
    """A term of a story on one of its days: the index that candidate stories come from."""

    term = models.BigIntegerField()
    day = models.IntegerField()
    story = models.ForeignKey(Story, on_delete=models.CASCADE, related_name="postings")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["term", "day", "story"], name="posting_unique")]


class TermCount(models.Model):
    """How many stored articles of a language carry a term (its document frequency)."""

    term = models.BigIntegerField(unique=True, help_text="Hash of language and term")
    count = models.PositiveIntegerField(default=0)


class CopyBand(models.Model):
    """One locality-sensitive-hashing band of an article's body signature, as a row: articles
    sharing a band on nearby days are candidate copies of each other."""

    band = models.BigIntegerField()
    day = models.IntegerField()
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="copy_bands")

    class Meta:
        indexes = [models.Index(fields=["band", "day"], name="copyband_lookup")]


class Takedown(models.Model):
    """An editor's kill of an article (with every copy of its text) or of a whole story.

    The articles it withdrew point at it (Article.takedown); what it remembers of them
    (KillKey: source and GUID, canonical URL, content fingerprint) outlives the rows, so a
    copy that comes back by any of those routes, even after the article was deleted, is
    stored withdrawn. Undoing it brings back every article it withdrew.
    """

    title = models.TextField(help_text="The headline killed, as it was")
    article = models.ForeignKey(Article, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                                help_text="The article named by the editor")
    story_id = models.IntegerField(null=True, blank=True, db_index=True, help_text="Set when a whole story was killed")
    reason = models.TextField()
    by = models.CharField(max_length=150, help_text="Who killed it")
    at = models.DateTimeField(db_index=True)
    undone_at = models.DateTimeField(null=True, blank=True)
    undone_by = models.CharField(max_length=150, blank=True)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"Kill of \u201c{self.title[:60]}\u201d"

    @property
    def active(self) -> bool:
        return self.undone_at is None


class KillKey(models.Model):
    """One route by which a killed copy could come back: looked up for every new article."""

    class Kind(models.TextChoices):
        GUID = "guid", "source and GUID"
        URL = "url", "canonical URL"
        FINGERPRINT = "fingerprint", "content fingerprint"

    takedown = models.ForeignKey(Takedown, on_delete=models.CASCADE, related_name="keys")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    key = models.CharField(max_length=64, help_text="sha256 of the GUID or URL, or the fingerprint")
    source_id = models.IntegerField(null=True, blank=True, help_text="For a GUID: the source it belongs to")

    class Meta:
        indexes = [models.Index(fields=["key", "kind"], name="killkey_lookup")]


class AuditEntry(models.Model):
    """What was done to stored copy, by whom, when and why: kills (by an editor, or a source's
    own withdrawal followed) and their undoing. Written by the takedown services, never edited."""

    class Action(models.TextChoices):
        KILL = "kill", "killed"
        UNKILL = "unkill", "kill undone"
        CORRECT = "correct", "corrected"
        ACCEPT = "accept", "source's update accepted"

    at = models.DateTimeField(db_index=True)
    who = models.CharField(max_length=150)
    action = models.CharField(max_length=12, choices=Action.choices)
    article = models.ForeignKey(Article, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    story_id = models.IntegerField(null=True, blank=True)
    takedown = models.ForeignKey(Takedown, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    title = models.TextField(help_text="The headline acted on, as it was")
    reason = models.TextField(blank=True)
    detail = models.JSONField(default=dict, blank=True, help_text="The articles the action reached")

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = "audit log entry"
        verbose_name_plural = "audit log"

    def __str__(self) -> str:
        return f"{self.get_action_display()}: {self.title[:60]}"


class Pin(models.Model):
    """An editor's pick for one brand until a time: the article leads its section's list, its
    block on the front page and the rail; picked for the email, it leads its section in the
    next daily edition too."""

    SECTION_CHOICES = [(s, s.title()) for s in ("world", "business", "technology", "sports", "photo", "local")]

    brand = models.ForeignKey("brands.Brand", on_delete=models.CASCADE, related_name="pins")
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="pins")
    section = models.CharField(max_length=40, choices=SECTION_CHOICES,
                               help_text="The list it leads (and its block on the front page)")
    in_email = models.BooleanField(default=True, help_text="Also lead this section in the next daily email")
    until = models.DateTimeField(help_text="The pin ends by itself at this time")
    by = models.CharField(max_length=150, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["brand", "until"], name="pin_live")]

    def __str__(self) -> str:
        return f"{self.article} on {self.brand} ({self.section})"


class Revision(models.Model):
    """A version of an article that was replaced (the current one is the article itself), or an
    upstream version held back behind an editor's correction. Nothing is ever overwritten
    without its predecessor kept here."""

    class Kind(models.TextChoices):
        SOURCE = "source", "from the source"
        EDITOR = "editor", "an editor's correction"

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField(help_text="The article's revision number this version had (or would have had)")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    held = models.BooleanField(default=False, help_text="An upstream version not shown: an editor's correction stands")
    at = models.DateTimeField()
    by = models.CharField(max_length=150, blank=True)
    title = models.TextField()
    body_html = models.TextField()
    images = models.JSONField(default=list, blank=True)
    related = models.JSONField(default=list, blank=True)
    note = models.TextField(blank=True, help_text="The correction note of an editor's version")

    class Meta:
        ordering = ["article", "number", "id"]
        indexes = [models.Index(fields=["article", "number"], name="revision_article")]

    def __str__(self) -> str:
        return f"Revision {self.number} of article {self.article_id}"

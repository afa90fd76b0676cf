"""A branded site served from the shared wire pool, chosen by the request's Host header."""

from zoneinfo import ZoneInfo, available_timezones

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, RegexValidator
from django.db import models

from wiredesk.core.sections import SECTIONS


def validate_time_zone(value: str) -> None:
    if value not in available_timezones():
        raise ValidationError(f"{value!r} is not an IANA time zone such as Australia/Sydney.")


def validate_hosts(value) -> None:
    if not isinstance(value, list) or not all(isinstance(h, str) and h and h == h.strip().lower() for h in value):
        raise ValidationError('Give a JSON list of lower-case host names, e.g. ["harbour.example"].')
    if any(":" in h or "/" in h for h in value):
        raise ValidationError("Host names only: no scheme, port or path.")


def validate_sections(value) -> None:
    if not isinstance(value, list) or any(s not in SECTIONS for s in value):
        raise ValidationError(f"Give a JSON list of sections from: {', '.join(SECTIONS)}.")


def validate_place_names(value) -> None:
    if not isinstance(value, list) or not all(isinstance(p, str) and p.strip() for p in value):
        raise ValidationError('Give a JSON list of place names, e.g. ["PT ELLIS", "ELLIS HARBOUR"].')
    if len(value) > 20 or any(len(p) > 120 for p in value):
        raise ValidationError("At most 20 names of at most 120 characters.")


class Brand(models.Model):
    name = models.CharField(max_length=200)
    tagline = models.CharField(max_length=300, blank=True)
    hosts = models.JSONField(default=list, validators=[validate_hosts], help_text='Host names, e.g. ["harbour.localhost"]')
    time_zone = models.CharField(max_length=64, default="UTC", validators=[validate_time_zone])
    language = models.CharField(max_length=12, default="en")
    sections = models.JSONField(
        default=list, blank=True, validators=[validate_sections],
        help_text="Sections shown, in order; empty shows them all",
    )
    home_place = models.CharField(
        max_length=120, blank=True,
        help_text="Dateline place of the brand's city, e.g. PORT ELLIS: its stories rank higher and make the Local section",
    )
    home_place_aliases = models.JSONField(
        default=list, blank=True, validators=[validate_place_names],
        help_text='Other spellings of the home place in datelines, e.g. ["PT ELLIS"] '
                  "(case, accents and punctuation already do not matter)",
    )
    sources = models.ManyToManyField("sources.Source", through="BrandSource", related_name="brands", blank=True)
    editors = models.ManyToManyField(
        "auth.User", related_name="edited_brands", blank=True,
        help_text="Staff who may kill, correct and pin this brand's copies only (in the Editors group)",
    )
    newsletter_promo = models.BooleanField(default=True)
    releases_promo = models.BooleanField(default=True)
    digest_hour = models.PositiveSmallIntegerField(
        default=6, validators=[MaxValueValidator(23)],
        help_text="Local hour (0-23, in the brand's time zone) at which the daily email goes out",
    )
    digest_from = models.EmailField(
        blank=True, help_text="Sender of the daily email; empty uses WIREDESK_EMAIL_FROM",
    )
    logo = models.ImageField(upload_to="brands/", blank=True)
    accent_color = models.CharField(
        max_length=7, default="#0b5394",
        validators=[RegexValidator(r"^#[0-9a-fA-F]{6}$", "A colour such as #0b5394.")],
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    @property
    def section_list(self) -> list[str]:
        return list(self.sections) or list(SECTIONS)

    @property
    def primary_host(self) -> str:
        return self.hosts[0] if self.hosts else ""


class BrandSource(models.Model):
    """A source carried by a brand, with its weight on the brand's fronts."""

    brand = models.ForeignKey(Brand, on_delete=models.CASCADE)
    source = models.ForeignKey("sources.Source", on_delete=models.CASCADE)
    weight = models.FloatField(default=1.0, help_text="Above 1 ranks the source's stories higher on fronts")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["brand", "source"], name="brand_source_unique")]

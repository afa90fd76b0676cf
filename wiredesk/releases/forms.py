"""The public news-release form: fields, the honeypot and time trap, image slots, the body subset.

The form reads and checks what was sent and prepares uploaded images (``images.py``); it
never writes. The view stores accepted images as drafts at once, so that a form that comes
back with an error shows them again, and creates the submission on "Send".
"""

from __future__ import annotations

import datetime as dt
import html
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import nh3
from django import forms

from wiredesk.core import signed
from wiredesk.core.traps import TrappedForm
from wiredesk.releases import images
from wiredesk.releases.checks import ReleaseText
from wiredesk.releases.models import Submission
from wiredesk.releases.tokens import read_token
from wiredesk.text.emails import undeliverable_reason
from wiredesk.text.sanitize import DROPPED_WITH_CONTENT, html_to_text, sanitize_html
from wiredesk.text.urls import is_http_url

STAMP_SALT = "wiredesk.releases.form-stamp"
# Nobody writes a release in three seconds; a form may stay open while it is written.
STAMP_MIN_SECONDS = 3
STAMP_MAX_SECONDS = 24 * 3600
TRAP = signed.TimeTrap(salt=STAMP_SALT, min_seconds=STAMP_MIN_SECONDS, max_seconds=STAMP_MAX_SECONDS)
HONEYPOT = "homepage"
# What happened, and that the form shown with the message can be sent again.
_KEPT = " Your text is kept below (images not yet shown below need to be chosen again)."
TRAP_MESSAGES = {
    "fast": "That came less than {min} seconds after the form was shown, quicker than we take from a "
            "person, so nothing was sent. Please press the button again: it will go through now." + _KEPT,
    "stale": "This form was open for more than a day, so nothing was sent. Please check it and press "
             "the button again." + _KEPT,
    "bad": "This form arrived without the stamp this page puts in it (or with one that was changed), so "
           "nothing was sent. Please press the button again in a few seconds." + _KEPT,
}
ACTIONS = ("check", "send")
BODY_MAX_CHARS = 20_000
ABOUT_MAX_CHARS = 2_000
EMBARGO_MAX_DAYS = 365

# The small safe subset a body may use; everything else is reduced to its text.
BODY_TAGS = frozenset({"p", "br", "strong", "b", "em", "i", "a", "ul", "ol", "li"})
_SUBSET = nh3.Cleaner(
    tags=set(BODY_TAGS),
    clean_content_tags=set(DROPPED_WITH_CONTENT),
    attributes={"a": {"href"}},
    url_schemes={"http", "https", "mailto"},
    url_relative="deny",  # a relative link would point into this site
    link_rel=None,
    strip_comments=True,
)
# Any tag makes the body markup (pasted HTML is reduced to the subset, not shown as code).
_TAG = re.compile(r"</?[a-z][a-z0-9]*(?:\s[^<>]*)?/?>", re.IGNORECASE)
_BLOCK_START = re.compile(r"^\s*<(?:p|ul|ol)\b", re.IGNORECASE)
_EMPTY_P = re.compile(r"<p>(?:\s|<br>)*</p>\n?")
_BLANK_LINE = re.compile(r"\n[ \t]*\n+")
_PHONE = re.compile(r"^\+?[\d\s().\-/]+$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_CONTROL_MULTILINE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def stamp_make(now: dt.datetime) -> str:
    return TRAP.make(now)


def stamp_age(stamp: str, now: dt.datetime) -> float | None:
    return TRAP.age(stamp, now)


def body_to_html(raw: str) -> str:
    """The body as safe HTML in the small subset: plain text or the subset, paragraphs on blank lines."""
    text = raw.replace("\r\n", "\n").replace("\r", "\n").strip()
    if not text:
        return ""
    markup = bool(_TAG.search(text))
    blocks = []
    for chunk in _BLANK_LINE.split(text):
        chunk = chunk.strip()
        if not chunk:
            continue
        if markup and _BLOCK_START.match(chunk):
            blocks.append(chunk)
            continue
        lines = [line.strip() for line in chunk.split("\n")]
        if not markup:
            lines = [html.escape(line, quote=False) for line in lines]
        blocks.append("<p>" + "<br>".join(lines) + "</p>")
    # The subset first, then the sanitizer every article body goes through.
    clean = sanitize_html(_SUBSET.clean("\n".join(blocks)))
    return _EMPTY_P.sub("", clean).strip()


def local_to_utc(day: dt.date, time: dt.time, tz: ZoneInfo) -> dt.datetime:
    """A wall-clock time in a zone as UTC; ValueError when the clocks skip that time."""
    local = dt.datetime.combine(day, time, tzinfo=tz)
    utc = local.astimezone(dt.timezone.utc)
    if utc.astimezone(tz).replace(tzinfo=None) != local.replace(tzinfo=None):
        raise ValueError("nonexistent local time")
    return utc


def day_start_utc(day: dt.date, tz: ZoneInfo) -> dt.datetime:
    """The first instant of a local day as UTC: midnight, or the moment the clocks jump to
    where a zone moves them forward at midnight (Santiago, Havana, Beirut in some years)."""
    for minutes in range(0, 24 * 60, 15):
        try:
            return local_to_utc(day, dt.time(minutes // 60, minutes % 60), tz)
        except ValueError:
            continue
    raise ValueError("no local time on that day")


class LineField(forms.CharField):
    """One line of text: control characters (CR and LF above all) are refused, not stripped."""

    default_error_messages = {"control": "Write this on one line, without line breaks or control characters."}

    def to_python(self, value):
        if isinstance(value, str) and _CONTROL.search(value):
            raise forms.ValidationError(self.error_messages["control"], code="control")
        return super().to_python(value)


class TextField(forms.CharField):
    """Paragraphs of text: line breaks kept (as \\n), other control characters refused."""

    widget = forms.Textarea
    default_error_messages = {"control": "The text contains invisible control characters. Please type it again."}

    def to_python(self, value):
        if isinstance(value, str):
            if _CONTROL_MULTILINE.search(value):
                raise forms.ValidationError(self.error_messages["control"], code="control")
            value = value.replace("\r\n", "\n").replace("\r", "\n")
        return super().to_python(value)


class LineEmailField(forms.EmailField):
    def to_python(self, value):
        # EmailField strips surrounding whitespace, so look at what was sent: a line break in
        # an address is a header-injection attempt, never a typo to forgive.
        if isinstance(value, str) and _CONTROL.search(value):
            raise forms.ValidationError("Enter the address on one line, with no line breaks.", code="control")
        return super().to_python(value)


def _required(message: str) -> dict:
    return {"required": message}


@dataclass
class Slot:
    """One of the form's image places: a stored draft, or a file input."""

    number: int
    draft: object | None
    thumb: str
    file: forms.BoundField
    caption: forms.BoundField
    credit: forms.BoundField
    remove: forms.BoundField


class ReleaseForm(TrappedForm, forms.Form):
    trap, honeypot = TRAP, HONEYPOT

    category = forms.ChoiceField(
        label="Kind of news", choices=[("", "Choose one")] + list(Submission.Category.choices),
        error_messages={"required": "Choose the kind of news.",
                        "invalid_choice": "Choose a kind of news from the list."},
    )
    headline = LineField(label="Headline", max_length=200, error_messages=_required("Write a headline."),
                         help_text="One line that says what happened, in ordinary sentence case.")
    dateline_place = LineField(label="Dateline (town or city)", max_length=120, required=False,
                               help_text="Where the news comes from, for example: Port Ellis.")
    release_date = forms.DateField(
        label="Release date", required=False, widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": "Enter a date such as 2030-04-21."},
        help_text="Leave empty to publish as soon as the release is approved.",
    )
    embargo_time = forms.TimeField(
        label="Embargo: not before", required=False, widget=forms.TimeInput(attrs={"type": "time"}),
        error_messages={"invalid": "Enter a time such as 09:30."},
    )
    body = TextField(label="Text of the release", max_length=BODY_MAX_CHARS, widget=forms.Textarea(attrs={"rows": 16}),
                     error_messages={"required": "Write the text of the release.",
                                     "max_length": f"The text is too long: at most {BODY_MAX_CHARS:,} characters."},
                     help_text="Plain text, with a blank line between paragraphs. You may also use "
                               "&lt;p&gt;, &lt;strong&gt;, &lt;em&gt;, &lt;a href&gt; and lists.")
    about = TextField(label="About the organisation", max_length=ABOUT_MAX_CHARS, required=False,
                      widget=forms.Textarea(attrs={"rows": 4}),
                      help_text="Two or three sentences about who you are.")
    website = forms.URLField(label="Website", max_length=500, required=False, assume_scheme="https",
                             error_messages={"invalid": "Enter a web address such as https://example.org/."})
    contact_name = LineField(label="Name", max_length=120, required=False)
    contact_organisation = LineField(label="Organisation", max_length=200, required=False)
    contact_email = LineEmailField(
        label="Email address", max_length=254,
        error_messages={"required": "Enter your email address: we send a link to it to confirm the release.",
                        "invalid": "Enter an email address such as name@example.com."},
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
    )
    contact_phone = LineField(label="Phone", max_length=40, required=False,
                              widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}))
    show_contact = forms.BooleanField(label="Show my contact details with the release", required=False)

    def __init__(self, *args, brand, now: dt.datetime, image_limits: images.ImageLimits, max_images: int,
                 **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.brand, self.now = brand, now
        self.image_limits, self.max_images = image_limits, max_images
        self.uploads: dict[int, tuple[bytes, str]] = {}  # place -> (bytes, format): checked, not yet re-encoded
        self.fields["embargo_time"].help_text = f"Optional, with a release date: a time in {brand.time_zone} time."
        for n in range(1, max_images + 1):
            self.fields[f"image_{n}"] = forms.FileField(
                label=f"Image {n}", required=False,
                widget=forms.FileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
                error_messages={"empty": images.MSG_EMPTY, "invalid": "No file arrived. Choose the image again."},
            )
            self.fields[f"caption_{n}"] = LineField(label="Caption", max_length=300, required=False)
            self.fields[f"credit_{n}"] = LineField(label="Credit", max_length=120, required=False)
            self.fields[f"remove_{n}"] = forms.BooleanField(label="Remove this image", required=False)

    # --- the traps are TrappedForm's (core/traps.py); what to do with the post -----------------

    @property
    def action(self) -> str:
        action = self.data.get("action") if self.is_bound else None
        return action if action in ACTIONS else "check"  # never send unless asked to

    # --- fields -------------------------------------------------------------------------------

    def clean_headline(self) -> str:
        return " ".join(self.cleaned_data["headline"].split())

    def clean_contact_email(self) -> str:
        email = self.cleaned_data["contact_email"].strip().lower()
        if reason := undeliverable_reason(email):
            raise forms.ValidationError(reason, code="undeliverable")
        return email

    def clean_contact_phone(self) -> str:
        phone = self.cleaned_data["contact_phone"]
        if phone and (not _PHONE.match(phone) or sum(c.isdigit() for c in phone) < 6):
            raise forms.ValidationError("Enter a phone number with digits only, such as +61 2 5550 1234.")
        return phone

    def clean_website(self) -> str:
        url = self.cleaned_data["website"]
        if url and not is_http_url(url):
            raise forms.ValidationError("Enter a web address that starts with https:// or http://.")
        return url

    def clean_body(self) -> str:
        body = self.cleaned_data["body"]
        if not html_to_text(body_to_html(body)):
            raise forms.ValidationError("Write the text of the release.", code="required")
        return body

    def clean(self):
        if self.trapped:
            raise forms.ValidationError(TRAP_MESSAGES[self.trap_verdict].format(min=STAMP_MIN_SECONDS), code="trap")
        data = super().clean()
        self._clean_embargo(data)
        self._clean_images()
        return data

    def _clean_embargo(self, data) -> None:
        day, time = data.get("release_date"), data.get("embargo_time")
        tz = self.brand.tz
        data["embargo_until"] = None
        if time and not day:
            self.add_error("embargo_time", "Give the release date too, or leave the time empty.")
            return
        if not day:
            return
        today = self.now.astimezone(tz).date()
        if day < today:
            self.add_error("release_date",
                           "The release date has passed. Leave it empty to publish as soon as approved.")
            return
        if day > today + dt.timedelta(days=EMBARGO_MAX_DAYS):
            self.add_error("release_date", "The release date is more than a year ahead.")
            return
        try:
            # A date alone means the start of that day, even where the clocks skip midnight.
            when = local_to_utc(day, time, tz) if time else day_start_utc(day, tz)
        except ValueError:
            self.add_error("embargo_time", f"That time does not exist in {self.brand.time_zone} (the clocks change). "
                                           "Choose another.")
            return
        if time and when <= self.now:
            self.add_error("embargo_time", "That time has passed. Choose a later one, or leave it empty.")
            return
        data["embargo_until"] = when if when > self.now else None

    def _clean_images(self) -> None:
        slots = {f"image_{n}" for n in range(1, self.max_images + 1)}
        extra = [key for key in self.files if key not in slots or len(self.files.getlist(key)) > 1]
        if extra:
            self.add_error(None, forms.ValidationError(
                f"A release can carry at most {self.max_images} images, one in each place below. "
                "Extra files were not kept.", code="too_many"))
        for n in range(1, self.max_images + 1):
            upload = self.cleaned_data.get(f"image_{n}")
            if not upload:
                continue
            if upload.size > self.image_limits.max_bytes:
                self.add_error(f"image_{n}", images.bytes_message(self.image_limits.max_bytes))
                continue
            data = upload.read()
            try:
                self.uploads[n] = (data, images.image_check(data, limits=self.image_limits))
            except images.ImageRefused as refused:
                self.add_error(f"image_{n}", refused.message)

    # --- what the view uses -------------------------------------------------------------------

    def image_texts(self) -> dict[int, tuple[str, str]]:
        """Caption and credit of every place, where both are valid."""
        texts = {}
        for n in range(1, self.max_images + 1):
            if f"caption_{n}" in self.errors or f"credit_{n}" in self.errors:
                continue
            cleaned = getattr(self, "cleaned_data", {})
            texts[n] = (cleaned.get(f"caption_{n}", ""), cleaned.get(f"credit_{n}", ""))
        return texts

    def removed(self) -> set[int]:
        cleaned = getattr(self, "cleaned_data", {})
        return {n for n in range(1, self.max_images + 1) if cleaned.get(f"remove_{n}")}

    def release_text(self, stored_images=()) -> ReleaseText:
        """What the checks read, from what was typed (valid or not, so "Check" works on a draft)."""

        def raw(name: str) -> str:
            return str(self.data.get(name, "")).strip()

        return ReleaseText(
            headline=" ".join(raw("headline").split()), body_html=body_to_html(raw("body")), about=raw("about"),
            dateline_place=raw("dateline_place"), contact_name=raw("contact_name"),
            contact_organisation=raw("contact_organisation"), contact_email=raw("contact_email"),
            contact_phone=raw("contact_phone"),
            images=tuple((raw(f"caption_{d.position}"), raw(f"credit_{d.position}")) for d in stored_images),
        )

    def submission_fields(self) -> dict:
        """The cleaned values as Submission fields (the body as the safe subset)."""
        d = self.cleaned_data
        names = ("category", "headline", "dateline_place", "about", "website", "contact_name",
                 "contact_organisation", "contact_email", "contact_phone", "show_contact", "embargo_until")
        fields = {name: d[name] for name in names}
        fields["dateline_place"] = " ".join(fields["dateline_place"].split())
        fields["about"] = fields["about"].strip()
        fields["body"] = body_to_html(d["body"])
        return fields

    def error_links(self) -> list[tuple[str, str]]:
        """(field id, name) of every field with an error, in form order, for the summary at the top."""
        links = []
        for name in self.fields:
            if name not in self.errors:
                continue
            label = str(self.fields[name].label)
            slot = re.fullmatch(r"(?:image|caption|credit|remove)_(\d+)", name)
            if slot and not name.startswith("image_"):
                label = f"Image {slot[1]}: {label.lower()}"
            links.append((self[name].id_for_label, label))
        return links

    def slots(self, drafts, thumbs: dict[int, str]) -> list[Slot]:
        by_position = {d.position: d for d in drafts}
        return [
            Slot(n, by_position.get(n), thumbs.get(n, ""), self[f"image_{n}"], self[f"caption_{n}"],
                 self[f"credit_{n}"], self[f"remove_{n}"])
            for n in range(1, self.max_images + 1)
        ]


def draft_key_read(token: str | None) -> str | None:
    """The draft key a form's signed hidden field names, or None."""
    return read_token("draft", token or "")

"""Forms of the daily email's reader pages: sign-up (with a honeypot and a time trap) and preferences."""

from __future__ import annotations

import datetime as dt

from django import forms

from wiredesk.core import signed
from wiredesk.core.sections import SECTION_NAMES
from wiredesk.digest.models import DEFAULT_SECTIONS

STAMP_SALT = "wiredesk.digest.signup-stamp"
# A person takes more than a moment to type an address; a form is not kept open for days.
STAMP_MIN_SECONDS = 2
STAMP_MAX_SECONDS = 24 * 3600
HONEYPOT = "website"
TRAP_MESSAGE = "Sorry, we could not take that. Please check the form and send it again."


def stamp_make(now: dt.datetime) -> str:
    return signed.stamp_make(now, salt=STAMP_SALT)


def stamp_age(stamp: str, now: dt.datetime) -> float | None:
    return signed.stamp_age(stamp, now, salt=STAMP_SALT)


def section_choices(brand) -> list[tuple[str, str]]:
    return [(s, SECTION_NAMES.get(s, s.title())) for s in brand.section_list]


def default_sections(brand) -> list[str]:
    chosen = [s for s in brand.section_list if s in DEFAULT_SECTIONS]
    return chosen or brand.section_list[:1]


class SectionsField(forms.MultipleChoiceField):
    widget = forms.CheckboxSelectMultiple
    default_error_messages = {
        "required": "Choose at least one section.",
        "invalid_choice": "Choose sections from the list.",
    }


class SignupForm(forms.Form):
    email = forms.EmailField(
        label="Email address",
        max_length=254,
        error_messages={
            "required": "Enter your email address.",
            "invalid": "Enter an email address such as name@example.com.",
        },
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
    )
    sections = SectionsField(label="Sections")
    # Hidden from people by CSS; bots that fill every field give themselves away.
    website = forms.CharField(required=False, label="Leave this field empty")
    stamp = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, brand, now: dt.datetime, email: str = "", **kwargs) -> None:
        kwargs.setdefault("initial", {"email": email, "sections": default_sections(brand)})
        super().__init__(*args, **kwargs)
        self.now = now
        self.fields["sections"].choices = section_choices(brand)
        self.fields["website"].widget.attrs.update({"tabindex": "-1", "autocomplete": "off"})

    @property
    def fresh_stamp(self) -> str:
        # Every rendering carries a new stamp, so a form shown again after a trap can be sent.
        return stamp_make(self.now)

    @property
    def is_bot(self) -> bool:
        """The honeypot was filled in."""
        return bool(self.is_bound and str(self.data.get(HONEYPOT, "")).strip())

    def clean_email(self) -> str:
        # EmailField strips surrounding whitespace, so look at what was sent: a line break
        # anywhere in an address is a header-injection attempt, never a typo to forgive.
        raw = str(self.data.get("email", ""))
        if any(ord(c) < 32 or ord(c) == 127 for c in raw):
            raise forms.ValidationError("Enter the address on one line, with no line breaks.", code="control")
        return self.cleaned_data["email"].lower()

    def clean(self):
        age = stamp_age(self.data.get("stamp", ""), self.now)
        if age is None or not STAMP_MIN_SECONDS <= age <= STAMP_MAX_SECONDS:
            raise forms.ValidationError(TRAP_MESSAGE, code="trap")
        return super().clean()


class PreferencesForm(forms.Form):
    sections = SectionsField(label="Sections")

    def __init__(self, *args, subscriber, **kwargs) -> None:
        kwargs.setdefault("initial", {"sections": subscriber.section_list})
        super().__init__(*args, **kwargs)
        self.fields["sections"].choices = section_choices(subscriber.brand)

"""Forms of the daily email's reader pages: sign-up (with a honeypot and a time trap) and preferences."""

from __future__ import annotations

import datetime as dt

from django import forms

from wiredesk.core import signed
from wiredesk.core.traps import TrappedForm
from wiredesk.core.sections import SECTION_NAMES
from wiredesk.digest.models import DEFAULT_SECTIONS
from wiredesk.text.emails import undeliverable_reason

STAMP_SALT = "wiredesk.digest.signup-stamp"
# A person takes more than a moment to type an address; a form is not kept open for days.
STAMP_MIN_SECONDS = 2
STAMP_MAX_SECONDS = 24 * 3600
# A reader who typed the address into an article's promo box only presses the button here,
# which a person may rightly do at once. The trap then only proves the page was fetched; the
# honeypot, the per-IP limits, the per-address mail budget and double opt-in remain.
PREFILLED_MIN_SECONDS = 0
TRAP = signed.TimeTrap(salt=STAMP_SALT, min_seconds=STAMP_MIN_SECONDS, max_seconds=STAMP_MAX_SECONDS)
HONEYPOT = "website"
# What happened, and that the form shown with the message can be sent again at once.
TRAP_MESSAGES = {
    "fast": "That came less than {min} seconds after the form was shown, quicker than we take from a "
            "person, so nothing was sent. Please check it and press Sign up again: it will go through now.",
    "stale": "This form was open for more than a day, so nothing was sent. Please check it and press "
             "Sign up again.",
    "bad": "This form arrived without the stamp this page puts in it (or with one that was changed), so "
           "nothing was sent. Please press Sign up again on this page in a few seconds.",
}


def stamp_make(now: dt.datetime) -> str:
    return TRAP.make(now)


def stamp_age(stamp: str, now: dt.datetime) -> float | None:
    return TRAP.age(stamp, now)


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


class SignupForm(TrappedForm, forms.Form):
    trap, honeypot = TRAP, HONEYPOT

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
        # The address was typed into an article's promo box: nothing is left to type here.
        self.prefilled = bool(email.strip())
        self.fields["sections"].choices = section_choices(brand)
        self.fields["website"].widget.attrs.update({"tabindex": "-1", "autocomplete": "off"})

    @property
    def stamp_min_seconds(self) -> float | None:
        return PREFILLED_MIN_SECONDS if self.prefilled else None

    def clean_email(self) -> str:
        # EmailField strips surrounding whitespace, so look at what was sent: a line break
        # anywhere in an address is a header-injection attempt, never a typo to forgive.
        raw = str(self.data.get("email", ""))
        if any(ord(c) < 32 or ord(c) == 127 for c in raw):
            raise forms.ValidationError("Enter the address on one line, with no line breaks.", code="control")
        email = self.cleaned_data["email"].lower()
        if reason := undeliverable_reason(email):
            raise forms.ValidationError(reason, code="undeliverable")
        return email

    def clean(self):
        verdict = self.trap_verdict
        if verdict != "ok":
            raise forms.ValidationError(TRAP_MESSAGES[verdict].format(min=STAMP_MIN_SECONDS), code="trap")
        return super().clean()


class PreferencesForm(forms.Form):
    sections = SectionsField(label="Sections")

    def __init__(self, *args, subscriber, **kwargs) -> None:
        kwargs.setdefault("initial", {"sections": subscriber.section_list})
        super().__init__(*args, **kwargs)
        self.fields["sections"].choices = section_choices(subscriber.brand)

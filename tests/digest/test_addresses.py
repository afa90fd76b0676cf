"""Both public forms, the daily email's sign-up and the news release's contact address, take
addresses at mail domains and refuse, with a clear error, every address no mail from the
internet can reach (the classes of tests/text/test_emails.py)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings as hsettings

from tests.releases.conftest import release_data
from tests.text.test_emails import deliverable, undeliverable
from tests.web.factories import make_brand
from wiredesk.digest.forms import SignupForm, stamp_make as signup_stamp
from wiredesk.releases import forms as release_forms
from wiredesk.releases.services import submissions as release_svc

FORM_SETTINGS = hsettings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture
def brand(db):
    return make_brand("Harbour Herald", ["herald.wiredesk-tests.net"])


def signup_errors(brand, address: str) -> list[str]:
    now = timezone.now()
    data = {"email": address, "sections": ["world"], "website": "", "stamp": signup_stamp(now - dt.timedelta(seconds=30))}
    form = SignupForm(data, brand=brand, now=now)
    form.is_valid()
    assert set(form.errors) <= {"email"}, form.errors
    return form.errors.get("email", [])


def release_errors(brand, address: str) -> list[str]:
    now = timezone.now()
    data = {**release_data(contact_email=address), "stamp": release_forms.stamp_make(now - dt.timedelta(seconds=30))}
    form = release_forms.ReleaseForm(data, {}, brand=brand, now=now, image_limits=release_svc.image_limits(),
                                     max_images=release_svc.max_images())
    form.is_valid()
    assert set(form.errors) <= {"contact_email"}, form.errors
    return form.errors.get("contact_email", [])


@FORM_SETTINGS
@given(address=deliverable)
def test_both_forms_take_addresses_at_mail_domains(brand, address):
    assert signup_errors(brand, address) == []
    assert release_errors(brand, address) == []


@FORM_SETTINGS
@given(address=undeliverable)
def test_both_forms_refuse_addresses_no_mail_can_reach_with_a_clear_error(brand, address):
    for errors in (signup_errors(brand, address), release_errors(brand, address)):
        assert len(errors) == 1 and (errors[0].startswith("Enter") or "no mail reaches it" in errors[0]), errors

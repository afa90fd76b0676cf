"""The brand form in the admin: host names a line each, sections as check boxes, place
spellings a line each; validated before anything is saved, never raw JSON."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.web.factories import make_brand
from wiredesk.brands.admin import BrandForm
from wiredesk.brands.models import Brand


def data(**overrides) -> dict:
    return {"name": "Lakeside Ledger", "hosts": "lakeside.example", "time_zone": "Europe/Berlin", "language": "en",
            "sections": ["world", "local"], "home_place": "LAKESIDE", "home_place_aliases": "",
            "digest_hour": 6, "accent_color": "#0b5394", "newsletter_promo": "on", "releases_promo": "on",
            **overrides}


@pytest.mark.django_db
def test_host_names_sections_and_spellings_are_edited_as_what_they_are(admin_client):
    form = BrandForm(data=data(hosts="Lakeside.Example\n\n  www.lakeside.example.  \nlakeside.example\nbücher.example",
                               home_place_aliases="LKSIDE\n  LAKE   SIDE \n\nLKSIDE"))
    assert form.is_valid(), form.errors
    brand = form.save()
    assert brand.hosts == ["lakeside.example", "www.lakeside.example", "xn--bcher-kva.example"]
    assert brand.sections == ["world", "local"] and brand.home_place_aliases == ["LKSIDE", "LAKE SIDE"]
    page = admin_client.get(f"/admin/brands/brand/{brand.pk}/change/").content.decode()
    assert 'type="checkbox" name="sections" value="world"' in page and '["lakeside.example"' not in page


@pytest.mark.django_db
def test_bad_host_names_are_refused_with_the_reason():
    make_brand("Harbour Herald", ["harbour.example"])
    for hosts, message in [
        ("https://lakeside.example/", "without scheme"),
        ("lakeside.example:8000", "without scheme"),
        ("lake side.example", "not a host name"),
        ("-lakeside.example", "not a host name"),
        ("", "required"),
        ("harbour.example", "Already another brand"),
    ]:
        form = BrandForm(data=data(hosts=hosts))
        assert not form.is_valid() and message.lower() in str(form.errors["hosts"]).lower(), (hosts, form.errors)
    assert Brand.objects.count() == 1


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=40))
def test_any_line_is_a_host_name_or_a_clear_refusal(line):
    from django import forms as dj_forms

    from wiredesk.brands.admin import _host

    try:
        host = _host(line)
    except dj_forms.ValidationError as exc:
        assert exc.messages
    else:
        assert host and host == host.lower() and all(c.isalnum() or c in ".-" for c in host) and host.isascii()

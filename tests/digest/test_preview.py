"""The staff preview page and ``wiredesk digest preview``: the edition shown, nothing sent."""

from __future__ import annotations

import re
from io import StringIO

import pytest
from django.core import mail
from django.core.management import CommandError, call_command

from tests.web.factories import make_brand, make_source, store
from wiredesk.digest.models import Delivery, Edition
from wiredesk.digest.render import PREFERENCES_MARK, UNSUBSCRIBE_MARK

pytestmark = pytest.mark.django_db

HOST = "harbour.test"
PATH = "/newsletter/preview/"
CSP = (
    "default-src 'none'; img-src 'self' data:{images}; style-src 'unsafe-inline'; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)


@pytest.fixture
def wire():
    return make_source("Harbour Wire", credit="HarbourWire.example")


@pytest.fixture
def brand(wire):
    return make_brand("Harbour Herald", [HOST], sources=[wire], sections=["world", "business"])


@pytest.fixture
def stories(brand, wire):
    return [
        store(wire, "&lt;script&gt;alert(1)&lt;/script&gt; Storm turns north"),
        store(wire, "Fish prices fall", section="business"),
    ]


@pytest.fixture
def staff(client, django_user_model):
    client.force_login(django_user_model.objects.create_user("editor", password="x" * 20, is_staff=True))
    return client


def expected_csp(settings) -> str:
    return CSP.format(images="".join(" " + s for s in settings.IMAGE_SOURCES))


def assert_nothing_sent() -> None:
    assert mail.outbox == []
    assert not Edition.objects.exists() and not Delivery.objects.exists()


# --- the page -------------------------------------------------------------------------------

def test_staff_sees_the_html_edition_with_its_own_csp(staff, stories, settings):
    response = staff.get(PATH, HTTP_HOST=HOST)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/html; charset=utf-8"
    assert response["Content-Security-Policy"] == expected_csp(settings)
    assert "no-store" in response["Cache-Control"]
    body = response.content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Storm turns north" in body
    assert "<script" not in body
    assert "Fish prices fall" in body and 'style="' in body
    assert f'href="{UNSUBSCRIBE_MARK}"' in body
    assert_nothing_sent()


def test_text_format(staff, stories):
    response = staff.get(PATH, {"format": "text"}, HTTP_HOST=HOST)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert "Content-Security-Policy" in response
    body = response.content.decode()
    assert "<script>alert(1)</script> Storm turns north" in body
    assert "<table" not in body and "&lt;" not in body
    assert PREFERENCES_MARK in body and UNSUBSCRIBE_MARK in body


def test_sections_parameter(staff, stories):
    body = staff.get(PATH, {"sections": "business,nonsense"}, HTTP_HOST=HOST).content.decode()
    assert "Fish prices fall" in body and "Storm turns north" not in body


def test_nothing_new(staff, brand, settings):
    response = staff.get(PATH, HTTP_HOST=HOST)
    assert response.status_code == 200
    assert "No new stories" in response.content.decode()
    assert response["Content-Security-Policy"] == expected_csp(settings)
    assert "no-store" in response["Cache-Control"]


def test_anonymous_is_sent_to_login(client, stories):
    response = client.get(PATH, HTTP_HOST=HOST)
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/?next=")
    assert "Storm" not in response.content.decode()


def test_reader_account_is_not_staff(client, stories, django_user_model):
    client.force_login(django_user_model.objects.create_user("reader", password="x" * 20))
    response = client.get(PATH, HTTP_HOST=HOST)
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_no_writes_through_the_preview(staff, stories):
    assert staff.post(PATH, HTTP_HOST=HOST).status_code == 405


# --- the command ----------------------------------------------------------------------------

def run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("digest", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_command_prints_the_html(stories):
    out, err = run("preview", "--brand", HOST)
    assert out.lstrip().startswith("<!DOCTYPE html>")
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Storm turns north" in out
    assert "Fish prices fall" in out and f'href="{UNSUBSCRIBE_MARK}"' in out
    assert err == ""
    assert_nothing_sent()


def test_command_prints_the_text(stories):
    out, _ = run("preview", "--brand", HOST.upper(), "--text")
    assert out.startswith("Harbour Herald\n")
    assert "<script>alert(1)</script> Storm turns north" in out
    assert "Fish prices fall" in out
    assert f"Unsubscribe: {UNSUBSCRIBE_MARK}" in out
    assert_nothing_sent()


def test_command_sections(stories):
    out, _ = run("preview", "--brand", HOST, "--text", "--sections", "business")
    assert "Fish prices fall" in out and "Storm turns north" not in out
    with pytest.raises(CommandError, match="no section sports"):
        run("preview", "--brand", HOST, "--sections", "world,sports")


def test_command_unknown_host(stories):
    with pytest.raises(CommandError, match="No brand serves the host 'nowhere.test'"):
        run("preview", "--brand", "nowhere.test")


def test_command_nothing_new(brand):
    out, err = run("preview", "--brand", HOST)
    assert out == ""
    assert "No new stories for Harbour Herald" in err
    assert_nothing_sent()


def test_command_needs_a_subcommand():
    with pytest.raises(CommandError):
        run()


@pytest.mark.parametrize("shell", [{}, {"WIREDESK_PORT": "8123"}, {"WIREDESK_PORT": "80"}])
def test_command_links_carry_the_port_readers_use_without_any_export(stories, settings, shell):
    """A shell with only WIREDESK_PORT (or nothing) builds the links `make run` builds."""
    from wiredesk.core import env

    settings.PUBLIC_SCHEME, settings.PUBLIC_PORT = env.public_address(env.load(shell))
    port = shell.get("WIREDESK_PORT", "8000")
    origin = f"http://{HOST}" + ("" if port == "80" else f":{port}")
    out, _ = run("preview", "--brand", HOST, "--text")
    links = [link for link in re.findall(r"https?://[^\s\"<>]+", out) if HOST in link]
    assert links and all(link.startswith(origin + "/") for link in links), links

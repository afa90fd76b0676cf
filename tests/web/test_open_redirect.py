"""No redirect of the site leads off it, whatever a link's ``next`` or path says (reliability S6).

Every redirect the site can be made to answer is tried with hostile targets: the admin's
login and logout with ``?next=``, paths a slash-appending or canonicalizing redirect could
turn into a protocol-relative or backslashed address, and generated variants of both. A
``Location`` must stay on the host that was asked.
"""

from __future__ import annotations

import re
from urllib.parse import quote, unquote

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings as hsettings, strategies as st

from tests.web.factories import make_brand

pytestmark = pytest.mark.django_db

HOST = "harbour.test"
HOSTILE = [
    "//evil.example", "///evil.example", "////evil.example/x", "https:evil.example", "https://evil.example/",
    "http:/evil.example", "/\\evil.example", "\\\\evil.example", "\\/evil.example", "/\\/evil.example",
    "http:\\\\evil.example", " //evil.example", "\t//evil.example", "%2F%2Fevil.example", "/%2F%2Fevil.example",
    "/%5Cevil.example", "javascript:alert(1)", "data:text/html,<script>alert(1)</script>",
    "//harbour.test@evil.example", "https://harbour.test.evil.example/", "//evil.example%2F@harbour.test",
    "\x00//evil.example", "/\x09/evil.example", "https://evil.example\\@harbour.test/",
]


def _on_site(location: str, host: str = HOST) -> bool:
    """A Location a browser resolves against http://host/ stays on that host.

    Read the way browsers read it (the WHATWG URL standard): tabs, newlines and NULs are
    dropped, a backslash is a slash, any run of two or more slashes starts a host, and an
    http(s) scheme is followed by a host whatever number of slashes come after it. (Where
    that is stricter than a browser, a safe Location is only taken for an unsafe one.)
    """
    cleaned = re.sub(r"[\t\n\r\x00]", "", location).strip(" \x0b\x0c").replace("\\", "/")
    scheme = re.match(r"([A-Za-z][A-Za-z0-9+.-]*):", cleaned)
    if scheme:
        if scheme.group(1).lower() not in ("http", "https"):
            return False
        rest = cleaned[scheme.end():]
    elif cleaned.startswith("//"):
        rest = cleaned
    else:
        return True  # a path, query or fragment on this host
    authority = re.split(r"[/?#]", rest.lstrip("/"), maxsplit=1)[0]
    name = unquote(authority.rsplit("@", 1)[-1].split(":", 1)[0]).lower()
    # A host that decodes to nothing but blanks is no host: the browser cannot go anywhere.
    return name.strip(" \t\n\r\x00\x0b\x0c") in ("", host)


@pytest.fixture
def site(db, django_user_model):
    make_brand("Harbour Telegraph", [HOST])
    django_user_model.objects.create_superuser("editor", "editor@harbour.test", "a long pass phrase 42")
    return HOST


def _check(response, what: str) -> None:
    location = response.headers.get("Location")
    if location is not None:
        assert _on_site(location), f"{what} -> {response.status_code} Location {location!r}"


def test_the_checker_itself_tells_off_site_locations():
    assert _on_site("/admin/") and _on_site("https://harbour.test/x") and _on_site("?page=2") and _on_site("//")
    for bad in ["//evil.example", "///evil.example", "/\\evil.example", "\\\\evil.example", "https:evil.example",
                "http://harbour.test@evil.example/", " //evil.example", "/\t/evil.example", "javascript:alert(1)"]:
        assert not _on_site(bad), bad


@pytest.mark.parametrize("target", HOSTILE)
def test_admin_login_and_logout_never_send_a_reader_off_site(site, target):
    client = Client()
    _check(client.get("/admin/login/", {"next": target}, HTTP_HOST=site), f"GET login next={target!r}")
    response = client.post(f"/admin/login/?next={quote(target, safe='')}",
                           {"username": "editor", "password": "a long pass phrase 42", "next": target},
                           HTTP_HOST=site)
    assert response.status_code == 302, response.status_code
    _check(response, f"POST login next={target!r}")
    _check(client.post("/admin/logout/", {"next": target}, HTTP_HOST=site), f"POST logout next={target!r}")


@pytest.mark.parametrize("target", HOSTILE)
def test_paths_that_look_like_other_hosts_are_not_redirected_off_site(site, target):
    client = Client()
    for path in (target, "/" + target.lstrip("/"), f"/section/{target}", f"/{target}/", f"/search{target}"):
        if not path.startswith("/"):
            path = "/" + path
        _check(client.get(path, HTTP_HOST=site), f"GET {path!r}")


_pieces = st.sampled_from(["/", "//", "\\", "\\\\", "%2F", "%5C", "evil.example", "@", ":", "https:", ".", "\t", "?", "#",
                           "harbour.test", "admin", "login"])


@hsettings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(target=st.lists(_pieces, min_size=1, max_size=8).map("".join))
def test_generated_targets_never_leave_the_site(site, target):
    client = Client()
    response = client.post("/admin/login/", {"username": "editor", "password": "a long pass phrase 42",
                                              "next": target}, HTTP_HOST=site)
    _check(response, f"POST login next={target!r}")
    path = "/" + target.lstrip("/") if not target.startswith("/") else target
    _check(client.get(path, HTTP_HOST=site), f"GET {path!r}")

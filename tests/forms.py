"""Helpers for tests that fill in the public forms and follow the links in the emails."""

from __future__ import annotations

import itertools
import re
from urllib.parse import urlsplit

_ips = itertools.count(1)


def next_ip() -> str:
    """A fresh client address per request, so the per-IP limits stay out of the way."""
    n = next(_ips)
    return f"198.51.{n // 250}.{n % 250 + 1}"


def body_of(response) -> str:
    return response.content.decode()


def csrf_token_in(doc: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', doc)[1]


def parts(received) -> tuple[str, str]:
    """(plain text, HTML) of a message the SMTP server received."""
    msg = received.message
    return msg.get_body(("plain",)).get_content(), msg.get_body(("html",)).get_content()


def follow(client, url: str, method: str = "get", **extra):
    """Open a link from an email on the host it names."""
    split = urlsplit(url)
    return getattr(client, method)(split.path, HTTP_HOST=split.hostname, **extra)

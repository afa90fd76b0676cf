"""Helpers for tests that fill in the public forms and follow the links in the emails."""

from __future__ import annotations

import itertools
import re
import time
from urllib.parse import urlsplit

_ips = itertools.count(1)


def next_ip() -> str:
    """A fresh client address per request, so the per-IP limits stay out of the way."""
    n = next(_ips)
    return f"198.51.{n // 250}.{n % 250 + 1}"


def clear_of_window_edge(*limits, margin: float = 10.0) -> None:
    """Wait, if need be, until no limit's counting window ends in the next ``margin`` seconds.

    The rate limits count in fixed windows of the clock (core.ratelimit): a test that uses up
    a limit and then expects a refusal would see the count start again if a window ended
    between its requests."""
    for limit in limits:
        left = limit.seconds - time.time() % limit.seconds
        if left < margin:
            time.sleep(left + 0.05)


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


_RETRY = re.compile(
    r"Please try again after (\d{1,2} \w{3} \d{4}, \d{2}:\d{2}) GMT([+-]\d{1,2}(?::\d{2})?)? "
    r"\(in about (\d+) (minute|minutes|hours)\)"
)


def assert_says_when(response, *, tz, before, after) -> None:
    """The page says when to try again: a local time (brand zone, with its offset) no earlier
    than the Retry-After allows and within a minute of it, and about how long that is."""
    import datetime as dt
    import html
    import math

    wait = int(response["Retry-After"])
    found = _RETRY.search(html.unescape(response.content.decode()))
    assert found, "the page does not say when to try again"
    local = dt.datetime.strptime(found[1], "%d %b %Y, %H:%M")
    at = local.replace(tzinfo=tz)
    assert before + dt.timedelta(seconds=wait) <= at < after + dt.timedelta(seconds=wait + 60), (found[0], wait)
    minutes = int(at.utcoffset().total_seconds() // 60)
    hours, mins = divmod(abs(minutes), 60)
    offset = "" if not minutes else ("+" if minutes > 0 else "-") + str(hours) + (f":{mins:02d}" if mins else "")
    assert (found[2] or "") == offset, (found[0], offset)
    count, unit = int(found[3]), found[4]
    if unit.startswith("minute"):
        assert count == math.ceil(wait / 60) and count < 120
    else:
        assert count == math.ceil(wait / 3600)

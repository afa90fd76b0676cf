"""Parsing of the response header fields the client interprets."""

from __future__ import annotations

import re
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime

_DELTA = re.compile(r"[+-]?\d+(\.\d+)?")


def parse_retry_after(value: str | None, *, now: datetime) -> float | None:
    """Return the seconds a Retry-After value asks to wait (RFC 9110 10.2.3), None if unusable.

    Accepts delay-seconds and HTTP-dates; a negative delay or a past date gives 0. Absurd
    values are returned as they are: the caller clamps them to its own policy.
    """
    if value is None:
        return None
    text = value.strip()
    if not text:
        return None
    if _DELTA.fullmatch(text):
        return max(0.0, float(text))
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when is None:
        return None
    if when.tzinfo is None:  # "-0000" zones come back naive; HTTP-dates are always UTC
        when = when.replace(tzinfo=timezone.utc)
    if now.tzinfo is None:
        now = now.replace(tzinfo=timezone.utc)
    return max(0.0, (when - now).total_seconds())


def parse_content_type(value: str | None) -> tuple[str, str | None]:
    """Split a Content-Type value into a lower-cased media type and its charset (or None)."""
    if not value:
        return "", None
    media, _, params = value.partition(";")
    charset = None
    for param in params.split(";"):
        name, sep, raw = param.partition("=")
        if sep and name.strip().lower() == "charset":
            charset = raw.strip().strip('"').strip("'").strip().lower() or None
            break
    return media.strip().lower(), charset

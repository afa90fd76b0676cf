"""Logging helpers: what a production log may hold.

A request's path can carry a secret (the links in confirmation, unsubscribe and verification
emails hold signed tokens), so logged messages lose every long opaque segment before anything
is written. A 500's traceback is kept for the operator, with email addresses taken out of it
(a database's error can quote the row it refused, "Key (email)=(...)").
"""

from __future__ import annotations

import logging
import re

# A signed token, a key, a base64 run: 20 or more characters of the kinds tokens are made of,
# with a capital letter or a colon among them (a slug is lower case: "1234-harbour-board-votes").
_OPAQUE = re.compile(r"[A-Za-z0-9_\-:.=]{20,}")


def _opaque(match: re.Match) -> str:
    run = match.group()
    return "[redacted]" if any(c.isupper() or c == ":" for c in run) else run


def redact(text: str) -> str:
    return _OPAQUE.sub(_opaque, text)


_ADDRESS = re.compile(r"[^\s@()<>\"',;:]+@[^\s@()<>\"',;:]+\.[A-Za-z]{2,}")


def without_addresses(text: str) -> str:
    return _ADDRESS.sub("[address]", text)


class RedactTokens(logging.Filter):
    """Takes long opaque segments (tokens) and email addresses out of a record's message and
    its arguments (a tuple or a mapping)."""

    def filter(self, record: logging.LogRecord) -> bool:
        def clean(value):
            return without_addresses(redact(value)) if isinstance(value, str) else value

        if isinstance(record.msg, str):
            record.msg = clean(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(clean(a) for a in record.args)
        elif isinstance(record.args, dict):
            record.args = {k: clean(v) for k, v in record.args.items()}
        return True


class RedactingFormatter(logging.Formatter):
    """The traceback without email addresses (its code lines and names are kept whole)."""

    def formatException(self, ei) -> str:
        return without_addresses(super().formatException(ei))

"""Logging helpers: what a production log may hold.

A request's path can carry a secret (the links in confirmation, unsubscribe and verification
emails hold signed tokens), so the paths in logged messages lose every long opaque segment
before anything is written; the traceback of a 500 is kept whole (it names code, not people).
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


class RedactTokens(logging.Filter):
    """Takes long opaque segments (tokens) out of a record's message arguments."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        elif isinstance(record.msg, str) and not record.args:
            record.msg = redact(record.msg)
        return True

"""The one exception the parse stage raises."""

from __future__ import annotations

CODES = frozenset(
    {"empty_body", "not_a_feed", "malformed", "xml_entities", "bad_encoding", "too_deep", "unknown_format"}
)


class ParseError(Exception):
    """A document that cannot be read as a feed, with a stable machine-readable code.

    ``code`` is one of ``CODES``; ``str(error)`` is the message alone, so that whoever stores
    or shows it writes ``f"{code}: {error}"`` with the code once.
    """

    def __init__(self, code: str, message: str) -> None:
        if code not in CODES:
            raise ValueError(f"unknown parse error code {code!r}")
        super().__init__(message)
        self.code = code
        self.message = message

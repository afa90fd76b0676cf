"""The one exception the parse stage raises."""

from __future__ import annotations


class ParseError(Exception):
    """A document that cannot be read as a feed, with a stable machine-readable code.

    Codes: ``empty_body``, ``not_a_feed``, ``malformed``, ``xml_entities``, ``bad_encoding``,
    ``too_deep``, ``unknown_format``.
    """

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message

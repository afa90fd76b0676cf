"""The one exception the extract stage raises."""

from __future__ import annotations


class ExtractError(Exception):
    """A page whose main text cannot be extracted.

    Codes: too_large, too_deep, no_main_text, extractor_failed (trafilatura itself raised).
    """

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message

"""The one exception the extract stage raises."""

from __future__ import annotations

CODES = frozenset({"too_large", "too_deep", "no_main_text", "extractor_failed"})


class ExtractError(Exception):
    """A page whose main text cannot be extracted.

    ``code`` is one of ``CODES`` (extractor_failed: trafilatura itself raised); ``str(error)``
    is the message alone, so that whoever stores or shows it writes the code once.
    """

    def __init__(self, code: str, message: str) -> None:
        if code not in CODES:
            raise ValueError(f"unknown extract error code {code!r}")
        super().__init__(message)
        self.code = code
        self.message = message

"""The page number a list or search asks for, read one way everywhere."""

from __future__ import annotations


def page_number(value: str | None) -> int:
    """A whole number from 1; anything else (junk, 0, a sign, spaces, a number too long to be
    a page) means the first page."""
    value = value or ""
    if not (value.isascii() and value.isdigit()) or len(value) > 18:
        return 1
    return max(1, int(value))

"""The page number a list or search asks for, read one way everywhere."""

from __future__ import annotations


def page_number(value: str | None) -> int:
    """The page asked for, as Python reads a whole number (spaces and a plus sign allowed);
    junk, numbers below 1 and numbers too long to read mean the first page. A list answers
    404 past its end (fronts.MAX_PAGE); search shows its last page."""
    try:
        return max(1, int(value or 1))
    except ValueError:  # not a number, or more digits than int() reads
        return 1

"""Every article page fixture extracts to exactly its reviewed golden result."""

from __future__ import annotations

import dataclasses

import pytest

from tests.golden import cases, check, load, to_json
from wiredesk.ingest.extract import ExtractError, extract_article

PAGES = cases("pages")


@pytest.mark.parametrize("case", PAGES, ids=[c.name for c in PAGES])
def test_page_matches_golden(case):
    stored = load(case, {"url": f"https://pages.example/news/{case.name}"})
    try:
        # The line keys (what the page teaches its source's furniture profile) are hashes,
        # tested in test_furniture.py; the golden record is what a reader gets.
        extracted = dataclasses.replace(extract_article(case.read_bytes(), **stored["input"]), lines=frozenset())
        result = {"extracted": {k: v for k, v in to_json(extracted).items() if k not in ("lines", "furniture_removed")}}
    except ExtractError as exc:
        result = {"error": exc.code}
    check(case, stored, result)

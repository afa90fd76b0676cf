"""Every article page fixture extracts to exactly its reviewed golden result."""

from __future__ import annotations

import pytest

from tests.golden import cases, check, load, to_json
from wiredesk.ingest.extract import ExtractError, extract_article

PAGES = cases("pages")


@pytest.mark.parametrize("case", PAGES, ids=[c.name for c in PAGES])
def test_page_matches_golden(case):
    stored = load(case, {"url": f"https://pages.example/news/{case.name}"})
    try:
        result = {"extracted": to_json(extract_article(case.read_bytes(), **stored["input"]))}
    except ExtractError as exc:
        result = {"error": exc.code}
    check(case, stored, result)

"""Every feed fixture parses to exactly its reviewed golden ParsedFeed (or error code)."""

from __future__ import annotations

import pytest

from tests.golden import cases, check, load, to_json
from wiredesk.ingest.formats import ParseError, parse_feed

FEEDS = cases("feeds")


@pytest.mark.parametrize("case", FEEDS, ids=[c.name for c in FEEDS])
def test_feed_matches_golden(case):
    stored = load(case, {"url": f"https://feeds.example/{case.name}", "content_type": None})
    try:
        result = {"feed": to_json(parse_feed(case.read_bytes(), **stored["input"]))}
    except ParseError as exc:
        result = {"error": exc.code}
    check(case, stored, result)

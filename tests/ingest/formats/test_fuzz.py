"""Reliability P-fuzz: truncated and bit-flipped feeds give ParsedFeed or ParseError, nothing else."""

from __future__ import annotations

import random

import pytest

from tests.golden import FIXTURES
from wiredesk.ingest.formats import ParseError, parse_feed
from wiredesk.ingest.types import ParsedFeed

SEEDS = ["rss20_basic.xml", "atom_xmlbase.xml", "rdf_rss10.xml", "jsonfeed_11.json", "rss20_cp1252_smart_quotes.xml"]


def _variants(data: bytes, rng: random.Random) -> list[bytes]:
    out = [data[: len(data) * pct // 100] for pct in range(0, 100, 5)]  # truncated every 5 %
    for _ in range(40):
        flipped = bytearray(data)
        for _ in range(rng.randint(1, 8)):
            position = rng.randrange(len(flipped))
            flipped[position] = rng.choice([rng.randrange(256), ord("<"), ord("&"), ord('"'), 0])
        out.append(bytes(flipped))
    return out


@pytest.mark.parametrize("name", SEEDS)
def test_mutations_never_raise_anything_but_parse_error(name):
    rng = random.Random(f"wiredesk-{name}")  # fixed seed per fixture
    data = (FIXTURES / "feeds" / name).read_bytes()
    outcomes = {"feed": 0, "error": 0}
    for variant in _variants(data, rng):
        try:
            result = parse_feed(variant, url="https://feeds.example/fuzz")
        except ParseError:
            outcomes["error"] += 1
        else:
            assert isinstance(result, ParsedFeed)
            outcomes["feed"] += 1
    assert outcomes["feed"] and outcomes["error"]  # both paths were exercised

"""The query parser: whatever the reader types becomes quoted words and phrases only."""

import pytest

from wiredesk.search.query import MAX_ITEMS, parse_query


def test_words_phrases_and_exclusions():
    q = parse_query('ferry "north quay" -winter -"island boats"')
    assert q.include == (("ferry",), ("north", "quay"))
    assert q.exclude == (("winter",), ("island", "boats"))
    assert q.fts5() == '("ferry" AND "north quay") NOT "winter" NOT "island boats"'
    assert q.websearch() == '"ferry" "north quay" -"winter" -"island boats"'


@pytest.mark.parametrize(
    "text",
    ['"', '""', "AND", "OR", "NOT", "-", "*", "NEAR(", "NEAR(a b, 2)", 'title:ferry', "a AND (b", '"unbalanced quote',
     "^start", "col:*", "{title body}: x", "ferry*", "a'b", "\x00", "💥", "-ferry", "<script>alert(1)</script>"],
)
def test_hostile_input_only_ever_yields_quoted_words(text):
    q = parse_query(text)
    for item in q.include + q.exclude:
        assert all(w.isalnum() for w in item)
    if q:
        assert q.fts5().count('"') % 2 == 0


def test_operators_are_plain_words():
    assert parse_query("AND").include == (("and",),)
    assert parse_query("NEAR(ferry berth, 2)").include == (("near", "ferry"), ("berth",), ("2",))
    assert parse_query("e-mail").include == (("e", "mail"),)  # one phrase


def test_exclusions_alone_search_nothing_and_empty_is_false():
    assert not parse_query("-ferry")
    assert not parse_query('" * - ( )')
    assert not parse_query("")


def test_length_is_bounded():
    q = parse_query(" ".join(f"w{i}" for i in range(100)))
    assert len(q.include) == MAX_ITEMS
    assert len(parse_query("x" * 10_000).include[0][0]) <= 60

"""A failure class extractors are known for, on pages built to show it: with links kept, a
paragraph broken at each link loses the space after it ("MacBook Prowas released")."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.ingest.extract.pages import article_page
from wiredesk.ingest.extract import extract_article

STORY = [
    "The county's new ferry timetable starts on Monday with two extra crossings in the morning and one more at night.",
    "Islanders had asked for an earlier boat for years; the first crossing now leaves Corrin at six, in time for school.",
    "The night boat returns at eleven on Fridays and Saturdays, so late shifts in Lanmouth no longer mean a hotel.",
]
TITLE = "Corrin ferry gets earlier and later crossings"
_WORDS = st.sampled_from("ferry quay harbour council boat island timetable crossing fares night morning Corrin".split())


def extract(html: str):
    return extract_article(html, url="https://lanmouth.example/news/ferry")


@settings(max_examples=40, deadline=None)
@given(words=st.lists(_WORDS, min_size=12, max_size=30), spans=st.lists(st.tuples(st.integers(0, 29), st.integers(1, 3)), max_size=4),
       inner=st.sampled_from(["{}", "<b>{}</b>", "<span>{}</span>"]))
def test_words_around_inline_links_keep_their_spaces(words, spans, inner):
    # Links (and markup inside them) anywhere in a sentence: the text reads as the sentence.
    linked = [False] * len(words)
    for start, length in spans:
        for i in range(start, min(start + length, len(words))):
            linked[i] = True
    out, i = [], 0
    while i < len(words):
        if linked[i]:
            j = i
            while j < len(words) and linked[j]:
                j += 1
            out.append(f'<a href="https://lanmouth.example/topic/{i}">' + inner.format(" ".join(words[i:j])) + "</a>")
            i = j
        else:
            out.append(words[i])
            i += 1
    sentence = "Then " + " ".join(words) + "."
    paragraph = "Then " + " ".join(out) + "."
    got = extract(article_page(TITLE, [STORY[0], paragraph, *STORY[1:]]))
    assert sentence in got.text.split("\n"), got.text

"""A source's page furniture is learned from its own pages and taken out of its articles."""

from __future__ import annotations

import math
import random

from hypothesis import given
from hypothesis import strategies as st
from lxml import etree

from wiredesk.ingest.extract import extract_article
from wiredesk.ingest.extract.furniture import (
    MAX_LINES, MIN_PAGES, WINDOW, Profile, line_key, line_keys, strip_furniture,
)

# Lines the made-up Lakeside Telegraph puts inside every article container: trafilatura keeps
# them, since nothing in one page says they are not text. (No credit or copyright line: the
# extractor drops those on any page, before anything is learned; see test_credits.py.)
FURNITURE = [
    "Order a reprint of this article",
    "Sign up for the Lakeside Telegraph morning briefing",
    "Lakeside Telegraph Media, 4 Pier Street, open to callers from eight to six",
    "Got a story? Write to the newsdesk at the harbour office.",
]
PLACES = ["north quay", "old mill", "ferry terminal", "market square", "cathedral close", "rowing club", "fish market"]
ACTIONS = ["reopened", "was sold", "flooded", "won an award", "closed for repairs", "hosted a fair", "was repainted"]


def site_page(n: int, *, rng: random.Random) -> tuple[str, list[str]]:
    """One page of a generated site: a shared template, furniture inside the article."""
    place, action = PLACES[n % len(PLACES)], ACTIONS[(n * 3) % len(ACTIONS)]
    story = [
        f"The {place} {action} on day {n}, officials in Lakeside said on a wet morning that surprised no one.",
        f"Residents near the {place} had asked for the change for {rng.randint(2, 19)} years, according to a petition.",
        f"A council spokesperson said {rng.randint(10, 900)} people took part in the consultation about the {place}.",
        f"Work on the {place} is expected to cost {rng.randint(2, 80)} thousand crowns and to end before winter {n}.",
    ]
    paragraphs = "".join(f"<p>{line}</p>" for line in story)
    html = f"""<!DOCTYPE html><html><head><title>The {place} {action}</title></head><body>
<header><a href="/">Lakeside Telegraph</a><nav><a href="/news">News</a> <a href="/sport">Sport</a></nav></header>
<main><article><h1>The {place} {action}</h1>
<p class="byline">By Rhea Calloway</p>
{paragraphs}
<p><a href="/reprints">{FURNITURE[0]}</a></p>
<div class="signup"><p>{FURNITURE[1]}</p></div>
<p>{FURNITURE[3]}</p>
<p class="legal">{FURNITURE[2]}</p>
</article></main>
<footer><p>Lakeside Telegraph, 4 Harbour Row</p></footer></body></html>"""
    return html, story


def test_a_generated_site_of_30_pages_loses_its_furniture_once_learned():
    rng = random.Random(7)
    pages = [site_page(n, rng=rng) for n in range(30)]
    profile = Profile()
    before_learning = []
    for html, story in pages[:12]:
        extracted = extract_article(html, url="https://lakeside.example/news")
        before_learning.append(extracted.text)
        profile.learn([extracted.lines])
    # Without a profile, every one of these pages carried the furniture into the text.
    assert all(any(f in text for f in FURNITURE) for text in before_learning)
    furniture = profile.furniture()
    assert {line_key(f) for f in FURNITURE} <= furniture
    for html, story in pages[12:]:
        text = extract_article(html, url="https://lakeside.example/news", furniture=furniture).text
        assert not any(f in text for f in FURNITURE), text
        assert all(line in text for line in story), text  # every line of the report stays


def _body(*lines: str):
    body = etree.Element("body")
    for line in lines:
        etree.SubElement(body, "p").text = line
    return body


def test_a_page_made_mostly_of_furniture_is_left_whole():
    body = _body("Order a reprint of this article", "Sign up for the briefing", "Short news.")
    furniture = frozenset({line_key("Order a reprint of this article"), line_key("Sign up for the briefing")})
    assert strip_furniture(body, furniture) == 0
    assert len(body) == 3


def test_lines_are_compared_without_case_or_spacing_and_tails_stay():
    body = _body("A long paragraph of the story that stays in place.", "ORDER  a reprint\nof this article")
    body[1].tail = "tail text"
    assert strip_furniture(body, frozenset({line_key("order a reprint of this article")})) == 1
    assert [p.text for p in body] == ["A long paragraph of the story that stays in place."]
    assert body[0].tail == "tail text"


def test_items_are_lines_and_an_emptied_list_goes():
    body = etree.fromstring("<body><p>Story paragraph long enough to be the most of this page.</p>"
                            "<list><item><p>Share on Mastodon</p></item></list></body>")
    assert line_keys(body) == {line_key("Story paragraph long enough to be the most of this page."), line_key("Share on Mastodon")}
    assert strip_furniture(body, frozenset({line_key("Share on Mastodon")})) == 1
    assert body.find("list") is None


def test_nothing_is_furniture_before_enough_pages():
    profile = Profile()
    profile.learn([frozenset({"a", "b"})] * (MIN_PAGES - 1))
    assert profile.furniture() == frozenset()
    profile.learn([frozenset({"a"})])
    assert profile.furniture() == frozenset({"a", "b"})


def test_a_line_repeated_in_a_few_follow_ups_is_not_furniture():
    profile = Profile()
    pages = [frozenset({"template", f"story-{n}"}) | ({"background"} if 10 <= n < 14 else set()) for n in range(50)]
    profile.learn(pages)
    assert profile.furniture() == frozenset({"template"})


def test_follow_ups_sharing_background_on_a_young_source_are_not_furniture():
    # Ten pages, four of them follow-ups of one story repeating two background lines.
    profile = Profile()
    profile.learn([frozenset({"template", f"story-{n}"}) | ({"background-1", "background-2"} if n < 4 else set())
                   for n in range(MIN_PAGES)])
    assert profile.furniture() == frozenset({"template"})


def test_credit_tags_notes_and_long_lines_are_never_furniture():
    lines = ["(Northlight)", "[Harbour Wire]", "(Repeats to additional subscribers)", "REPEAT",
             "x " * 200, "Order a reprint of this article"]
    # Bracketed and long lines are not even counted; a bare note may be, but never goes.
    assert line_keys(_body(*lines)) == {line_key("Order a reprint of this article"), line_key("REPEAT")}
    body = _body(*lines, "y " * 200)
    assert strip_furniture(body, frozenset(line_key(line) for line in lines)) == 1
    assert ["".join(p.itertext()) for p in body] == [line for line in lines if line != "Order a reprint of this article"] + ["y " * 200]


def test_long_paragraphs_count_in_the_share_furniture_may_take():
    """Reporting runs in long paragraphs: they weigh in the page's text that furniture is
    measured against, so four short furniture lines go from a page of three long paragraphs."""
    story = [f"Paragraph {n} of the report on the harbour works, " + "with a long account of the day " * 10 for n in range(3)]
    body = _body(*FURNITURE, *story)
    assert strip_furniture(body, frozenset(line_key(line) for line in FURNITURE)) == len(FURNITURE)
    assert ["".join(p.itertext()) for p in body] == story


def test_old_furniture_fades_after_a_redesign():
    profile = Profile()
    profile.learn([frozenset({"old footer", f"s{n}"}) for n in range(WINDOW)])
    assert "old footer" in profile.furniture()
    profile.learn([frozenset({"new footer", f"t{n}"}) for n in range(3 * WINDOW)])
    assert profile.furniture() == frozenset({"new footer"})


def test_the_profile_stays_bounded():
    profile = Profile()
    profile.learn([frozenset(f"line-{n}-{i}" for i in range(40)) for n in range(400)])
    assert len(profile.counts) <= MAX_LINES
    assert profile.pages <= WINDOW


JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)


@given(JSONISH | st.fixed_dictionaries({"pages": JSONISH | st.floats(), "counts": st.dictionaries(st.text(max_size=4), JSONISH | st.floats())}))
def test_any_stored_value_reads_as_a_profile(data):
    profile = Profile.from_json(data)
    assert profile.pages >= 0 and math.isfinite(profile.pages)
    assert all(isinstance(k, str) and c > 0 for k, c in profile.counts.items())
    profile.learn([frozenset({"x"})])
    assert Profile.from_json(profile.to_json()) == profile

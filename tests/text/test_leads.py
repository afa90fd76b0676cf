import dataclasses
import datetime as dt
import re

import html as html_lib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.golden import cases, check_json, expected_path
from wiredesk.text.leads import _RELATED_LABEL, parse_lead, split_credit_tag, split_related, split_story, teaser
from wiredesk.text.sanitize import html_to_text
from wiredesk.text.records import Lead, RelatedLink

BASE = "https://wire.example.org/world/2025/harbour-story.html"
LEAD_CASES = cases("text/leads", ".txt")
RELATED_CASES = cases("text/related", ".html")


def test_fixture_folders_are_populated():
    assert len(LEAD_CASES) >= 15
    assert len(RELATED_CASES) >= 3


@pytest.mark.parametrize("case", LEAD_CASES, ids=lambda p: p.stem)
def test_parse_lead_golden(case):
    lead, rest = parse_lead(case.read_text(encoding="utf-8"))
    fields = dataclasses.asdict(lead)
    fields["date"] = lead.date.isoformat() if lead.date else None
    check_json(expected_path(case, ".txt", ".expected.json"), {"lead": fields, "rest": rest})


@pytest.mark.parametrize("case", RELATED_CASES, ids=lambda p: p.stem)
def test_split_related_golden(case):
    html, links = split_related(case.read_text(encoding="utf-8"), base_url=BASE)
    actual = {"html": html, "links": [dataclasses.asdict(link) for link in links]}
    check_json(expected_path(case, ".html", ".expected.json"), actual)


def test_parse_lead_uses_default_year_for_month_day_datelines():
    lead, rest = parse_lead("PORT ELLIS, Mar 3 (Wirecast) - Gulls returned.", default_year=2025)
    assert lead == Lead(
        kind="dateline",
        text="PORT ELLIS, Mar 3 (Wirecast) -",
        place="PORT ELLIS",
        date=dt.date(2025, 3, 3),
        agency="Wirecast",
    )
    assert rest == "Gulls returned."


def test_parse_lead_spelled_year_beats_default_year():
    lead, _ = parse_lead("MARLOW CROSSING, Feb. 14, 2024: Trains ran late.", default_year=2025)
    assert lead.date == dt.date(2024, 2, 14)


def test_parse_lead_strips_surrounding_whitespace_and_keeps_nbsp_terminator():
    lead, rest = parse_lead("  \n WASHINGTON, D.C.:\u00a0The board met.")
    assert (lead.kind, lead.text, rest) == ("dateline", "WASHINGTON, D.C.:", "The board met.")


@pytest.mark.parametrize(
    "text",
    [
        "NASA said the launch window opens in May.",
        "I: the narrator speaks",
        "The council met at 10:30 on Friday.",
        "US-LED talks continue - officials said.",
        "WATCH: Otters return to the Mill Stream",
        "EDITOR'S NOTE: This story has been updated.",
        "FOR IMMEDIATE RELEASE: Ashcombe Bakery opens a second shop.",
        "",
    ],
)
def test_parse_lead_does_not_invent_datelines(text):
    lead, rest = parse_lead(text)
    assert lead == Lead()
    assert rest == text


def test_parse_lead_is_fast_on_long_capital_runs():
    # Guards against catastrophic backtracking in the place pattern.
    lead, _ = parse_lead("ABCD, EFGH " * 5000)
    assert lead.kind == "none"


def test_split_related_without_read_more_returns_input_unchanged():
    html = "<p>Gulls returned to <b>Crane Estuary</b>.</p>"
    assert split_related(html) == (html, ())


def test_split_related_keeps_relative_url_without_base_and_blocks_unsafe_schemes():
    html = (
        '<p>READ MORE: <a href="/local/ferry.html">Ferry timetable changes</a></p>'
        '<p>Read More: <a href="javascript:alert(1)">Bad link</a></p>'
        "<p>Body stays.</p>"
    )
    body, links = split_related(html)
    assert body == "<p>Body stays.</p>"
    assert links == (
        RelatedLink(title="Ferry timetable changes", url="/local/ferry.html"),
        RelatedLink(title="Bad link", url=""),
    )


def test_split_related_leaves_sentence_containing_read_more_alone():
    html = "<p>You can read more: the report is online.</p>"
    assert split_related(html) == (html, ())


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        ("<p>The ferry sailed.</p><p>(Wirecast)</p>", ("<p>The ferry sailed.</p>", "Wirecast")),
        ("<p>The ferry sailed.</p>\n<p> (RT.com) </p>\n", ("<p>The ferry sailed.</p>", "RT.com")),
        ("<p>The ferry sailed. (Northwire)</p>", ("<p>The ferry sailed.</p>", "Northwire")),
        ("<p>The ferry sailed.</p>(Wirecast)", ("<p>The ferry sailed.</p>", "Wirecast")),
        ("<p>The ferry sailed.<br>(Wirecast)</p>", ("<p>The ferry sailed.</p>", "Wirecast")),
        ("<p>The ferry sailed</p><p>(Wirecast)</p>", ("<p>The ferry sailed</p>", "Wirecast")),
        ("<p>The ferry sailed. <em>(Wirecast)</em></p>", ("<p>The ferry sailed.</p>", "Wirecast")),
        ("The ferry sailed. (Wirecast)", ("The ferry sailed.", "Wirecast")),
        ('<p>"We sailed," she said. (AFP/Wirecast)</p>', ('<p>"We sailed," she said.</p>', "AFP/Wirecast")),
    ],
)
def test_split_credit_tag_removes_trailing_tag(html, expected):
    assert split_credit_tag(html) == expected


@pytest.mark.parametrize(
    "html",
    [
        "<p>She joined the board of the Harbour Trust (HT)</p>",
        "<p>Exports rose sharply (the most in a decade).</p>",
        "<p>The vote passed. (Reporting by Ann Lee; editing by Tom Ray)</p>",
        "<p>See the chart below. (2)</p>",
        "<p>Tickets are on sale. (see page four)</p>",
        "<p>(Wirecast)</p><p>The ferry sailed.</p>",
        "",
    ],
)
def test_split_credit_tag_leaves_other_parentheses(html):
    assert split_credit_tag(html) == (html, "")


def test_teaser_short_text_has_no_ellipsis():
    assert teaser("  KINGSBRIDGE —  Volunteers cleared the beach. ") == "KINGSBRIDGE — Volunteers cleared the beach."


def test_teaser_cuts_at_word_boundary():
    text = "WASHINGTON, D.C.: The Capitol Parks Board approved a plan on Tuesday to plant elms."
    assert teaser(text, limit=40) == "WASHINGTON, D.C.: The Capitol Parks..."
    assert teaser(text, limit=44) == "WASHINGTON, D.C.: The Capitol Parks Board..."


def test_teaser_default_limit_is_130_characters_before_ellipsis():
    text = " ".join(["harbour"] * 40)
    result = teaser(text)
    assert result.endswith("harbour...")
    assert len(result) - 3 <= 130
    assert len(result) - 3 > 120


def test_teaser_drops_trailing_punctuation_before_ellipsis():
    assert teaser("One, two, three, four", limit=9) == "One, two..."


def test_teaser_cuts_a_single_overlong_word():
    assert teaser("x" * 20, limit=8) == "xxxxxxxx..."


def test_split_functions_leave_unparseable_deep_html_alone():
    # libxml2 truncates beyond 256 levels; editing that tree would lose the body.
    deep = "<div>" * 400 + "<p>READ MORE: Lost</p><p>Body. (Wirecast)</p>" + "</div>" * 400
    assert split_related(deep) == (deep, ())
    assert split_credit_tag(deep) == (deep, "")


@pytest.mark.parametrize(
    "html",
    [
        "<p>The ferry sailed.</p><p>Gulls followed.</p>",
        "<p>The ferry sailed.</p><p>(Wirecast)</p>",
        "<p>The ferry sailed. <em>(Wirecast)</em></p>",
        "<p>The ferry sailed.</p><p>READ MORE: <a href='/next'>Port reopens</a></p><p>Gulls. (Wirecast)</p>",
        "<ul><li>Read more: <a href='https://a.example/x'>X</a></li></ul><p>More (to come)</p>",
        "<p>She joined the Harbour Trust (HT)</p>",
        "<figure><img src='/a.jpg'><figcaption>Gulls <b>at</b> dawn. (Photo: K. Moss)</figcaption></figure>"
        "<p>PORT ELLIS: The ferry sailed.</p><figure><figcaption>Second</figcaption></figure>tail<p>End.</p>",
        "<figure><figcaption>Only a caption</figcaption></figure>",
        "<p>READ MORE: <a href='/n'>Next</a></p><figure><figcaption>Cap</figcaption></figure><p>Body. (Wirecast)</p>",
        "<div>" * 400 + "<p>READ MORE: Lost</p><p>Body. (Wirecast)</p>" + "</div>" * 400,
        "",
    ],
)
def test_split_story_is_the_three_calls_in_a_row(html):
    rest, related = split_related(html, base_url=BASE)
    rest, credit = split_credit_tag(rest)
    story = split_story(html, base_url=BASE)
    assert story[:4] == (rest, related, credit, html_to_text(rest))
    # ... and the text without figures is what html_to_text finds with them cut out.
    assert story.story_text == html_to_text(re.sub(r"<figure\b.*?</figure>", " ", rest, flags=re.S | re.I))


RELATED_FORMULAS = [
    "Read also:", "See also:", "Related:", "Related stories:", "Lea más:", "LE PUEDE INTERESAR:", "Notas relacionadas:",
    "À lire aussi :", "Lire aussi:", "Lesen Sie auch:", "Mehr zum Thema:", "Auch interessant:", "Leia também:",
    "Czytaj też:", "Zobacz także:", "Leggi anche:", "Lees ook:", "Läs också:", "Les også:",
]


@pytest.mark.parametrize("formula", RELATED_FORMULAS)
def test_teaser_lines_in_many_languages_become_related_links(formula):
    html = (f"<p>The ferry council met on Tuesday.</p><p>{formula} <a href='/news/ferry-fares'>Ferry fares frozen</a></p>"
            "<p>It will meet again in spring.</p>")
    body, links = split_related(html, base_url=BASE)
    assert [(link.title, link.url) for link in links] == [("Ferry fares frozen", "https://wire.example.org/news/ferry-fares")]
    assert "Ferry fares frozen" not in body and "It will meet again in spring." in body
    assert split_story(html, base_url=BASE).related == links


def _printable(text: str) -> str:
    # Control characters have no place in markup; a space is still \s and \W where they stood.
    return "".join(c if c.isprintable() or c in "\n\t" else " " for c in text)


@settings(max_examples=300, deadline=None)
@given(formula=st.from_regex(_RELATED_LABEL, fullmatch=True).map(_printable), split=st.booleans())
def test_every_formula_the_label_reads_passes_the_cheap_hint(formula, split):
    """The hint that spares most bodies the block walk never turns away a formula the label
    accepts, whatever its case, spacing or leading punctuation, and however a tag splits it."""
    assert _RELATED_LABEL.match(formula)
    words = html_lib.escape(formula).split(" ", 1)
    label = f"<b>{words[0]}</b> {words[1]}" if split and len(words) == 2 else html_lib.escape(formula)
    html = f"<p>The ferry council met.</p><p>{label} <a href='/news/fares'>Ferry fares frozen</a></p><p>More in spring.</p>"
    story = split_story(html, base_url=BASE)
    assert [(link.title, link.url) for link in story.related] == [("Ferry fares frozen", "https://wire.example.org/news/fares")]
    assert "Ferry fares frozen" not in story.text


@pytest.mark.parametrize("text", [
    "<p>Related: the council said the fares would stay frozen until spring.</p>",  # no link: the story's sentence
    "<p>Mehr zum Thema: der Rat tagt im Frühjahr wieder.</p>",
    "<p>She said <a href='/x'>the plan</a> would be read also by the mayor: fine.</p>",  # not at the start
])
def test_a_formula_without_a_link_or_inside_a_sentence_stays(text):
    assert split_related(text, base_url=BASE) == (text, ())

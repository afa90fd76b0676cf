"""Editor's notes lifted out of wire copy, and the copy signature that compares sendings."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wiredesk.ingest.normalize import normalize
from wiredesk.ingest.types import RawItem, SourcePolicy
from wiredesk.text import copies
from wiredesk.text.notes import (
    NOTES_MAX_CHARS, is_note, join_notes, lift_html_notes, lift_paragraphs, split_inline, split_title,
)

NOW = dt.datetime(2026, 11, 20, 12, tzinfo=dt.timezone.utc)

NOTES = [
    "Editor's note: This story was refiled to fix a typo.",
    "EDITOR'S NOTE — This story is part of a series on the island ferries.",
    "(Corrects spelling of the mayor's name in paragraph 3)",
    "(Adds quote from the harbour master)",
    "(Updates with casualty figures, adds background)",
    "(REPEAT)",
    "REPEAT",
    "Repeats to more subscribers",
    "Refiled to fix typo",
    "CORRECTION: An earlier version of this story gave the wrong date for the vote.",
    "[This story has been corrected to show the vote was seven to two]",
    "(This version of the story corrects the spelling of the mayor's name)",
    "This article was amended on 5 March 2026 to correct the name of the ferry.",
    "Corrected to show the berth will cost 14 million crowns, not 40 million",
    "UPDATE 2",
    "Updated: 19 November 2026 10:30 GMT",
    "(Recasts lead, adds comment from the island council)",
]
NOT_NOTES = [
    "Updates to the timetable were published on Monday.",
    "Updates on the flood will follow.",
    "The council corrects the figures every year in March.",
    "(Reporting by Jane Doe; Editing by Tom Roe)",
    "(Additional reporting by Ana Reyes)",
    "(Wirecast)",
    "UPDATE: Police have arrested a man in connection with the attack.",
    "Update: 5 people have died, the coastguard said.",
    "Adds to the pressure on the government.",
    "Adding to the confusion, the minister resigned on Tuesday.",
    "Corrected figures show a rise in crime.",
    "Changes came after the vote.",
    "(The minister declined to comment.)",
    "Note: the ferry runs hourly.",
    "Repeat offenders face longer sentences, the minister said.",
    "The report was changed by the ministry last week after protests.",
    "This report was published by the harbour board on Tuesday.",
]


@pytest.mark.parametrize("text", NOTES)
def test_notes_are_recognised(text):
    assert is_note(text)


@pytest.mark.parametrize("text", NOT_NOTES)
def test_story_paragraphs_are_not_notes(text):
    assert not is_note(text)


@pytest.mark.parametrize(("title", "clean", "markers"), [
    ("CORRECTED-Ferry fares frozen", "Ferry fares frozen", ["CORRECTED"]),
    ("UPDATE 2-Ferry fares frozen", "Ferry fares frozen", ["UPDATE 2"]),
    ("REFILE-UPDATE 1-Ferry fares frozen", "Ferry fares frozen", ["REFILE", "UPDATE 1"]),
    ("(REPEAT) Ferry fares frozen", "Ferry fares frozen", ["REPEAT"]),
    ("corrected: Ferry fares frozen", "Ferry fares frozen", ["corrected"]),
    ("Ferry fares frozen (corrected)", "Ferry fares frozen", ["corrected"]),
    ("Repeat offender jailed", "Repeat offender jailed", []),
    ("Update on ferry fares", "Update on ferry fares", []),
    ("UPDATE-", "UPDATE-", []),  # nothing after the marker: the headline stays
])
def test_title_prefixes(title, clean, markers):
    assert split_title(title) == (clean, markers)


def test_only_the_edges_are_looked_at():
    paragraphs = ["REPEAT", "Story opens.", "(Adds quote)", "Story ends.", "(Corrects name)"]
    assert lift_paragraphs(paragraphs) == (["Story opens.", "(Adds quote)", "Story ends."], ["REPEAT", "(Corrects name)"])


def test_html_notes_are_removed_whole_and_figures_left_alone():
    html = ("<p>REPEAT</p><figure><img src='https://x.example/a.jpg'><figcaption>(Corrects caption)</figcaption>"
            "</figure><p>Story opens.</p><div><p>Story ends.</p><p>(Adds quote)</p></div>")
    out, notes = lift_html_notes(html)
    assert notes == ["REPEAT", "(Adds quote)"]
    assert "REPEAT" not in out and "(Adds quote)" not in out and "(Corrects caption)" in out
    assert "Story opens." in out and "Story ends." in out


def test_join_notes_is_bounded():
    assert len(join_notes(["(Corrects " + "word " * 200 + ")"])) <= NOTES_MAX_CHARS


def item(title: str, paragraphs: list[str]):
    html = "".join(f"<p>{p}</p>" for p in paragraphs)
    return normalize(RawItem(guid="g", link=None, title=title, content_html=html, published=NOW),
                     policy=SourcePolicy(credit="Wire"), now=NOW)


# --- properties ---------------------------------------------------------------------------

WORDS = st.sampled_from(
    "harbour board ferry council island mayor vote berth quay fishermen cod estuary police minister budget "
    "storm timetable crowns million week spring lorries market road port wharf coal school bridge".split()
)
# Subjects include the words notes open with, used as nouns: a story's sentence has a verb.
SUBJECTS = st.sampled_from([
    "Updates to the plan", "Changes to the timetable", "Corrections to the budget", "Repeat offenders",
    "The council", "Fishermen", "The harbour master", "Police", "Adds and edits", "The mayor", "Revised figures",
])
VERBS = st.sampled_from(["said", "were published", "will follow", "voted", "rose", "was approved", "has agreed",
                         "came", "met", "told reporters"])


@st.composite
def story_paragraph(draw) -> str:
    sentence = f"{draw(SUBJECTS)} {draw(VERBS)} {' '.join(draw(st.lists(WORDS, min_size=2, max_size=20)))}"
    return sentence + draw(st.sampled_from([".", ".", "!", ", the board said."]))


@st.composite
def note(draw) -> str:
    words = " ".join(draw(st.lists(WORDS, min_size=1, max_size=6)))
    form = draw(st.sampled_from([
        "({verb} {words})", "[{verb} {words}]", "Editor's note: {words}", "CORRECTION: {words}",
        "{marker}", "({marker})", "Repeats to more subscribers", "Refiled to fix typo",
        "Corrects spelling of {words}", "(This story has been corrected to fix {words})",
    ]))
    verb = draw(st.sampled_from(["Corrects", "Adds", "Updates with", "Recasts", "Refiles to fix", "Clarifies",
                                 "Removes", "Changes headline,", "Adds quote from"]))
    marker = draw(st.sampled_from(["REPEAT", "Repeat", "REFILE", "CORRECTED", "UPDATE 2", "RPT"]))
    return form.format(verb=verb, words=words, marker=marker)


@settings(max_examples=200, deadline=None)
@given(st.lists(story_paragraph(), min_size=1, max_size=8))
def test_story_paragraphs_never_lose_text(paragraphs):
    assert not any(is_note(p) for p in paragraphs)
    assert lift_paragraphs(paragraphs) == (paragraphs, [])
    plain = item("Ferry fares frozen", paragraphs)
    assert plain.text == "\n".join(paragraphs) and plain.editor_notes == ""


@settings(max_examples=200, deadline=None)
@given(st.lists(story_paragraph(), min_size=1, max_size=8), st.lists(note(), max_size=2),
       st.lists(note(), max_size=2), st.sampled_from(["", "CORRECTED-", "UPDATE 3-", "(REPEAT) "]))
def test_notes_around_any_body_are_lifted(paragraphs, before, after, prefix):
    clean = item("Ferry fares frozen", paragraphs)
    noted = item(prefix + "Ferry fares frozen", before + paragraphs + after)
    assert noted.text == clean.text and noted.body_html == clean.body_html
    assert noted.lead_text == clean.lead_text and noted.lead == clean.lead
    assert noted.title == clean.title
    for n in before + after:
        assert n.strip("()[]").split(":")[0][:12] in noted.editor_notes
    assert noted.copy_signature == clean.copy_signature


# --- copy signatures -------------------------------------------------------------------------

def test_signature_layout_and_bands():
    text = " ".join(f"word{i}" for i in range(200))
    sig = copies.signature("A headline", text)
    assert sig[:1] == b"L" and len(sig) == 1 + 4 * copies.NUM_PERM
    keys = copies.band_keys(sig)
    assert len(keys) == copies.BANDS and all(-(2**63) <= k < 2**63 for k in keys)
    assert copies.similarity(sig, sig) == 1.0 and copies.is_copy(sig, sig)


def test_short_bodies_are_compared_with_their_headline():
    short = copies.signature("Storm closes Skerry ferry", "The ferry will not sail on Friday.")
    other = copies.signature("Harbour board election result", "The ferry will not sail on Friday.")
    assert short[:1] == b"S" and copies.similarity(short, other) < copies.SHORT_THRESHOLD
    long = copies.signature("Storm closes Skerry ferry", " ".join(["The ferry will not sail on Friday."] * 10))
    assert copies.similarity(short, long) == 0.0  # a short body never matches a long one
    assert copies.signature("", "ferry") == b""  # too few words: no signature


VOCAB = st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=2, max_size=9)


@settings(max_examples=150, deadline=None)
@given(st.lists(VOCAB, min_size=60, max_size=300), st.lists(VOCAB, min_size=60, max_size=300))
def test_unrelated_texts_are_not_copies(a, b):
    # Two texts sharing at most chance runs of words: far below the threshold.
    sa, sb = copies.signature("x", " ".join(a)), copies.signature("y", " ".join(b))
    grams_a, grams_b = copies.shingles(a), copies.shingles(b)
    if len(grams_a & grams_b) / len(grams_a | grams_b) < 0.2:
        assert not copies.is_copy(sa, sb)


# --- notes run into a paragraph of story (one-paragraph summaries), and a closing credit tag ---

STORY_SENTENCE = "SELVARA, Tarnia: Unemployment in Tarnia fell to 4.1 per cent in October, its lowest in ten years."


@pytest.mark.parametrize("note, before", [
    ("Editor's note: refiled to add a missing category code. The text is unchanged.", True),
    ("Editor's note: this story was first sent on Jan. 15, 2027 at 06:28 UTC and is sent again for clients.", True),
    ("(Corrects spelling of the minister's name in paragraph 2)", True),
    ("(Repeats story first sent on Jan. 15, 2027 at 05:29 UTC; no change to text)", False),
    ("(Adds comment from the fire service)", False),
])
def test_a_note_run_into_story_text_is_split_off(note, before):
    paragraph = f"{note} {STORY_SENTENCE}" if before else f"{STORY_SENTENCE} {note}"
    lead, rest, trail = split_inline(paragraph)
    assert rest == STORY_SENTENCE
    assert (lead if before else trail) == note
    html, notes = lift_html_notes(f"<p>{paragraph}</p>")
    assert notes == [note] and html == f"<p>{STORY_SENTENCE}</p>"


@pytest.mark.parametrize("paragraph", [
    STORY_SENTENCE,
    "The mayor (who corrects everyone) spoke at length about the harbour plan on Monday evening.",
    "Editor's note: this story was refiled. It corrects the name.",  # all note: lifted whole elsewhere
    "Prices rose again in October (see chart), the statistics office said.",
])
def test_paragraphs_without_a_note_run_into_story_are_left_whole(paragraph):
    assert split_inline(paragraph) == ("", paragraph, "")


def test_a_note_before_the_closing_credit_tag_is_lifted_and_the_tag_kept():
    html, notes = lift_html_notes(
        f"<p>{STORY_SENTENCE}</p><p>(Repeats story first sent on May 4; no change to text)</p><p>(Harbour Wire)</p>")
    assert notes == ["(Repeats story first sent on May 4; no change to text)"]
    assert html == f"<p>{STORY_SENTENCE}</p><p>(Harbour Wire)</p>"


@pytest.mark.parametrize("paragraph", [
    "Killed in the attack were three soldiers and a nurse.",
    "Removed from office in 2020, he later returned as mayor.",
    "Replaced by a newer model, the old ferry was sold.",
    "Amended in 2019, the law now allows appeals.",
    "Added to the list in May, the bridge is now protected.",
])
def test_a_story_sentence_opening_with_a_participle_is_no_note(paragraph):
    assert not is_note(paragraph)
    html, notes = lift_html_notes(f"<p>{paragraph}</p><p>{STORY_SENTENCE}</p>")
    assert notes == [] and paragraph in html

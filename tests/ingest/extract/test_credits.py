"""Picture credits, source lines and copyright notices left in the main text are taken out;
the article's own sentences, including those that speak of photos, credit or sources, are not."""

from __future__ import annotations

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from wiredesk.ingest.extract import extract_article
from wiredesk.ingest.extract.credits import MAX_CHARS, credit_line

STORY = [
    "The council of Marrow Bay approved a new sea wall on Thursday after two winters of flooding on the quay.",
    "Work will start in April and close the harbour road for six weeks, the council's engineer told the meeting.",
    "Fishing boats will use the north slipway while the road is shut, and a ferry will carry cars to the island.",
    "The wall will cost about four million, most of it paid by the regional flood fund, the council said.",
]


def page(middle: str = "", end: str = "") -> str:
    paragraphs = [f"<p>{line}</p>" for line in STORY]
    paragraphs.insert(2, middle)
    return ("<!DOCTYPE html><html><head><title>A sea wall for Marrow Bay</title></head><body><article>"
            "<h1>A sea wall for Marrow Bay</h1>" + "".join(paragraphs) + end + "</article></body></html>")


def test_picture_credits_and_a_copyright_notice_go_and_every_paragraph_stays():
    html = page(
        middle=('<figure><img src="/img/quay.jpg" alt="The flooded quay"></figure>'
                "<p>Foto: Jana Wiese / Bay Agency</p>"
                "<p>The quay under water in January. © Bay Agency / Tom Reed</p>"),
        end="<p>© 2026 The Marrow Courier. All rights reserved.</p><p>Quelle: Harbour office</p>",
    )
    got = extract_article(html, url="https://marrow.example/news/sea-wall")
    for gone in ("Jana Wiese", "Tom Reed", "The Marrow Courier", "Harbour office"):
        assert gone not in got.text
    for line in STORY:
        assert line in got.text


def test_a_source_line_with_a_link_stays_as_a_citation():
    cited = '<p>Source: <a href="https://floods.example/report/2026">Regional flood survey, 2026 edition</a></p>'
    got = extract_article(page(middle=cited), url="https://marrow.example/news/sea-wall")
    assert "Regional flood survey, 2026 edition" in got.text


def test_a_page_of_nothing_but_a_caption_is_not_emptied():
    html = ("<html><head><title>Quay</title></head><body><article><p>The quay under water in January, seen from "
            "the north slipway. Photo: Bay Agency</p></article></body></html>")
    got = extract_article(html, url="https://marrow.example/photos/quay")
    assert "The quay under water" in got.text


@pytest.mark.parametrize("line", [
    "Foto: Jana Wiese", "Fotos: Harbour Agency, Tom Reed", "Photo (cc): svenwerk", "Crédits photos : Agence Baie",
    "(Bild: Dieter Kamm)", "Fot. Lukas Nowak / Agencja Zatoka", "© Bay Agency", "©Bay Agency / Tom Reed",
    "© 2026 The Marrow Courier", "(c) 2026 The Marrow Courier", "Titelbild: Flussufer bei Nacht",
    "Image credit: Bay Agency", "Quelle: Landesamt für Küstenschutz", "Fuente: Agencia de la Bahía",
    "The new slipway at dawn. © Bay Agency / Tom Reed",
    "Workers on the quay in March (Photo: Tom Reed/Bay Agency).",
    "The new slipway at dawn. Photo: Bay Agency",
    "Copyright 2026 Marrow Radio. All rights reserved.", "Tous droits réservés",
])
def test_credit_lines(line):
    assert credit_line(line)


@pytest.mark.parametrize("line", [
    "The photo shows the quay under water in January.",
    "Photographs of the flood were shared widely on Tuesday evening.",
    "She paid with a credit card at the harbour office.",
    "Source code for the tide model is published by the university.",
    "The council did not credit the agency for the pictures.",
    "Copyright law protects the designs of the new wall, the engineer said.",
    "Bild und Ton der Sitzung waren schlecht, sagte der Bürgermeister.",
    "Zutaten: 200 g Mehl, 100 g Butter, eine Prise Salz",
    "Die Quelle am Berg ist seit dem Sommer trocken.",
    # A long paragraph that happens to carry a credit is the article's, not a credit line.
    "The quay under water in January. " * 5 + "© Bay Agency",
])
def test_prose_is_not_a_credit_line(line):
    assert not credit_line(line)


_PROSE = st.text(alphabet=st.characters(categories=("Lu", "Ll", "Nd", "Zs"), include_characters=".,;!?'-"),
                 min_size=1, max_size=400)


@given(_PROSE)
@example("Die Fotos der Flut zeigen den Kai unter Wasser")
@example("Source code and photos are online at the council's site")
def test_a_line_without_a_colon_a_copyright_sign_or_a_rights_notice_is_never_dropped(text):
    """Labels count only with their colon (or a copyright sign): words alone never do."""
    if "rights reserved" in text.lower() or "(c)" in text.lower():
        return
    lowered = text.lower().lstrip("([ ")
    if lowered.startswith(("fot. ", "zdj. ")):
        return
    assert not credit_line(text)


@given(st.text(min_size=MAX_CHARS + 1, max_size=MAX_CHARS + 400))
def test_a_block_longer_than_a_credit_line_is_never_dropped(text):
    assert not credit_line(text)

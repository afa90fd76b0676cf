"""Picture credits, source lines and copyright notices left in the main text are taken out;
the article's own sentences, including those that speak of photos, credit or sources, are not."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from lxml import etree

from tests.ingest.extract.pages import article_page
from wiredesk.ingest.extract import extract_article
from wiredesk.ingest.extract.credits import MAX_CREDIT_WORDS, credit_line, drop_credits

STORY = [
    "The council of Marrow Bay approved a new sea wall on Thursday after two winters of flooding on the quay.",
    "Work will start in April and close the harbour road for six weeks, the council's engineer told the meeting.",
    "Fishing boats will use the north slipway while the road is shut, and a ferry will carry cars to the island.",
    "The wall will cost about four million, most of it paid by the regional flood fund, the council said.",
]


def page(middle: str = "", end: str = "") -> str:
    return article_page("A sea wall for Marrow Bay", STORY, middle=middle, end=end)


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


def test_a_heading_left_closing_the_text_by_the_credits_goes_with_them():
    got = extract_article(page(end="<h3>Bildnachweis</h3><p>Foto: Jana Wiese</p>"),
                          url="https://marrow.example/news/sea-wall")
    assert "Bildnachweis" not in got.text and "Jana Wiese" not in got.text
    assert got.text.endswith(STORY[-1])


def test_a_source_line_with_a_link_stays_as_a_citation():
    cited = '<p>Source: <a href="https://floods.example/report/2026">Regional flood survey, 2026 edition</a></p>'
    got = extract_article(page(middle=cited), url="https://marrow.example/news/sea-wall")
    assert "Regional flood survey, 2026 edition" in got.text


def test_a_body_of_nothing_but_credits_is_not_emptied():
    got = extract_article("<html><head><title>Quay</title></head><body><article><p>The quay under water in "
                          "January, seen from the north slipway. Photo: Bay Agency</p></article></body></html>",
                          url="https://marrow.example/photos/quay")
    assert "The quay under water" in got.text
    quoted = etree.fromstring("<body><quote><p>Foto: Jana Wiese</p></quote></body>")
    assert drop_credits(quoted) == 0 and "".join(quoted.itertext()) == "Foto: Jana Wiese"
    mixed = etree.fromstring("<body>The quay at dawn, before the storm came in from the west.<p>Foto: Jana Wiese</p></body>")
    assert drop_credits(mixed) == 1 and "Jana Wiese" not in "".join(mixed.itertext())


@pytest.mark.parametrize("line", [
    "Foto: Jana Wiese", "Fotos: Harbour Agency, Tom Reed", "Photo (cc): svenwerk", "Crédits photos : Agence Baie",
    "(Bild: Dieter Kamm)", "Fot. Lukas Nowak / Agencja Zatoka", "© Bay Agency", "©Bay Agency / Tom Reed",
    "© 2026 The Marrow Courier", "(c) 2026 The Marrow Courier", "Copyright 2026 Marrow Radio", "Titelbild: Flussufer",
    "Image credit: Bay Agency", "Quelle: Landesamt für Küstenschutz", "Fuente: Agencia de la Bahía",
    "Photo: Bay Agency.", "The new slipway at dawn. © Bay Agency / Tom Reed",
    "Workers on the quay in March (Photo: Tom Reed/Bay Agency).",
    "The new slipway at dawn. Photo: Bay Agency", "The new slipway at dawn. Photo: J. Reed.",
    "The harbour office in its new colours | © Bay Agency",
    "Copyright 2026 Marrow Radio. All rights reserved.", "Tous droits réservés",
    "Sources: Eurostat, OECD", "Fotografie: Jana Wiese", "Crédito: Reuters", "Photograph: Harbour Agency",
    "Photo source: Mara Lind from Bay Pictures.", "Fuente: Agencia de la Bahía", "Quelle: dpa",
    "Foto: picture alliance / dpa / Tom Reed.",
])
def test_credit_lines(line):
    assert credit_line(line)


@pytest.mark.parametrize("line", [
    # Sentences of articles, found on news pages, that a credit rule must not take for one.
    "Unemployment in the euro area fell to 6.4 % in March (Source: Eurostat).",
    "Die Arbeitslosigkeit sank im März auf 5,1 Prozent (Quelle: Bundesagentur für Arbeit).",
    "Inflation rose (source: the statistics office), the highest in a decade.",
    "BILD: Herr Minister, wann kommt die Rentenreform?",
    "Credit: Investment-grade spreads tightened by two basis points to 98 over Treasuries.",
    "Copyright: who owns a photo taken by a monkey?",
    "Crédito: la banca endurece las condiciones para las pymes este año",
    "Fotograf: Ich habe dreißig Jahre lang die Stadt im Winter fotografiert und nie gefroren.",
    "It runs Windows© 11 and costs 499 euros.",
    "Mickey Mouse, ©Disney since 1928, entered the public domain this year.",
    "The label's notice says all rights reserved, but the band shared the song freely.",
    "(c) 2025 onwards, the levy rises to three per cent of the turnover of each firm in the harbour.",
    "The photo shows the quay under water in January.",
    "She paid with a credit card at the harbour office.",
    "He said: the wall will hold for a hundred years.",
    "Zutaten: 200 g Mehl, 100 g Butter, eine Prise Salz",
    "The judge reserved her ruling on the copyright claim.",
    "Copyright lawyers said the court had reserved judgment until March.",
    "The contract left the author with all rights reserved.",
    "Credit: tighter lending standards hit small firms first.",
    "Copyright 2019 rules take effect on Monday.",
    "BILD: Sie haben also nichts davon gewusst.",
    "Bilder: So sah es nach dem Sturm aus.",
    "Crédit : les banques resserrent encore leurs conditions.",
    "Fotos: así quedó el pueblo tras la riada.",
    "Zdjęcie: tak wyglądała ulica po burzy.",
    "Labour has a problem. Image: voters see it as out of touch.",
    "Das Urteil ist gefallen. Bild: Ein Sieg für die Kläger.",
    "Students can take the new course in the spring (credits: three per semester).",
    "The quay under water in January. " * 5 + "© Bay Agency",  # long: the article's paragraph
])
def test_prose_is_not_a_credit_line(line):
    assert not credit_line(line)


WORD = st.text(st.characters(categories=["L"]), min_size=1, max_size=10)
NAME = st.builds(lambda first, rest: first + rest, st.sampled_from("ABCDEFGHJKLMNOPRSTVWZÄÖÜÉ"),
                 st.text(st.characters(categories=["Ll"]), max_size=9))  # "Reed", "Müller", "Éloi"
LABEL = st.sampled_from(["Foto", "Photo", "Bild", "Credit", "Credits", "Quelle", "Source", "Fuente", "Copyright",
                         "Image credit", "Titelbild", "Fotograf"])


@given(label=LABEL, words=st.lists(WORD, min_size=MAX_CREDIT_WORDS + 1, max_size=20))
def test_a_label_before_a_sentence_is_prose(label, words):
    """A credit is a few words; a label's colon before a whole sentence starts the sentence."""
    line = f"{label}: {' '.join(words)}."
    assert len(line) > 160 or not credit_line(line)


@given(words=st.lists(WORD, min_size=3, max_size=12), label=LABEL, source=st.lists(NAME, min_size=1, max_size=4),
       end=st.sampled_from([".", ",", ", the highest since 2019."]))
def test_a_source_in_brackets_inside_a_sentence_stays(words, label, source, end):
    """"... fell to 6.4 % (Source: Eurostat)." is the article's; only a picture's credit in
    brackets ends a caption."""
    line = f"{' '.join(words)} ({label}: {' '.join(source)}){end}"
    picture = label not in {"Quelle", "Source", "Fuente", "Copyright"} and end == "."
    assert credit_line(line) == (picture and len(line) <= 160) or len(source) > MAX_CREDIT_WORDS


@given(before=st.lists(WORD, min_size=1, max_size=6), after=st.lists(WORD, min_size=1, max_size=6))
def test_a_copyright_sign_inside_a_sentence_is_prose(before, after):
    line = f"{' '.join(before)}© {' '.join(after)} and more words follow in this sentence, she said."
    assert not credit_line(line)

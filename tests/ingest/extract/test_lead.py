"""The article's lead (standfirst), set outside the container of the paragraphs, opens the
text when the page shows its own description as a block; never text from the meta tag alone,
never the headline, never a description standing in navigation, a teaser or a script."""

from __future__ import annotations

import html as htmlmod

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from wiredesk.ingest.extract import extract_article

TITLE = "Lanmouth harbour wall to be rebuilt before winter"
LEAD = ("The council has found the money to rebuild the harbour wall that the January storms "
        "broke, and work starts in the first week of September.")
STORY = [
    "Engineers from the county surveyed the wall in March and found two sections close to collapse.",
    "The repair will cost about four hundred thousand, most of it from the coastal resilience fund.",
    "Fishing boats will moor at the north quay while the work goes on, the harbour master said.",
    "Residents of Quay Row asked for the work to stop at night; the contractor agreed to finish by six.",
]


def page(*, description: str | None = LEAD, header: str = "", body_start: str = "", elsewhere: str = "") -> str:
    """A news page whose header block (headline, then ``header``) stands outside the <article>
    holding the paragraphs, as many CMS templates set the lead."""
    meta = "" if description is None else f'<meta name="description" content="{htmlmod.escape(description)}">'
    paragraphs = "".join(f"<p>{line}</p>" for line in STORY)
    return (f"<!DOCTYPE html><html><head><title>{TITLE}</title>{meta}</head><body>"
            f'<nav><a href="/">Home</a> <a href="/news/">News</a></nav>'
            f'<div class="story-header"><h1>{TITLE}</h1>{header}</div>'
            f'<div class="layout"><article>{body_start}{paragraphs}</article>{elsewhere}</div>'
            f"<footer><p>Lanmouth Post, 4 Quay Row, Lanmouth</p></footer></body></html>")


def extract(html: str):
    return extract_article(html, url="https://lanmouth.example/news/harbour-wall")


def test_without_the_lead_rule_the_extractor_loses_it():
    # The premise: the lead stands outside the block the extractor takes.
    got = extract(page(description=None, header=f'<p class="standfirst">{LEAD}</p>'))
    assert LEAD not in got.text and STORY[0] in got.text


def test_a_lead_outside_the_article_opens_the_text_once():
    got = extract(page(header=f'<p class="standfirst">{LEAD}</p>'))
    lines = got.text.split("\n")
    assert lines[0] == LEAD and got.text.count(LEAD) == 1
    assert all(line in got.text for line in STORY)
    assert got.html.startswith(f"<p>{htmlmod.escape(LEAD, quote=False)}</p>")


def test_the_lead_is_found_in_inline_markup_and_when_the_description_is_cut_short():
    header = f'<div class="intro"><p><strong>Lanmouth.</strong> {LEAD}</p></div>'
    got = extract(page(description="Lanmouth. " + LEAD[:80] + "…", header=header))
    assert got.text.split("\n")[0] == f"Lanmouth. {LEAD}"


def test_a_description_holding_markup_is_read_as_text():
    got = extract(page(description=f"<p>{LEAD}</p>", header=f'<p class="standfirst">{LEAD}</p>'))
    assert got.text.split("\n")[0] == LEAD


def test_a_lead_already_in_the_text_is_not_added_again():
    got = extract(page(body_start=f"<p><b>{LEAD}</b></p>"))
    assert got.text.count(LEAD) == 1


def test_a_description_shown_nowhere_adds_nothing():
    assert LEAD not in extract(page()).text


@pytest.mark.parametrize("where", [
    f'<aside><p>{LEAD}</p></aside>',
    f'<ul class="related"><li><p>{LEAD}</p></li></ul>',
    f'<p><a href="/news/harbour-wall">{LEAD}</a></p>',
    f'<form><textarea>{LEAD}</textarea></form>',
    f'<blockquote><p>{LEAD}</p></blockquote>',
    f'<figure><figcaption>{LEAD}</figcaption></figure>',
])
def test_a_description_standing_where_no_lead_stands_adds_nothing(where):
    assert LEAD not in extract(page(elsewhere=where)).text


def test_the_headline_again_is_not_a_lead():
    title_like = TITLE.upper() + " | Lanmouth Post"
    got = extract(page(description=title_like, header=f"<h2>{title_like}</h2>"))
    assert TITLE.upper() not in got.text


def test_a_short_description_is_a_slogan_not_a_lead():
    slogan = "News from the harbour town, every day"
    got = extract(page(description=slogan, header=f"<p>{slogan}</p>"))
    assert slogan not in got.text


_WORDS = st.sampled_from("harbour wall council storm quay boats fund engineers winter repair night Lanmouth".split())
_PROSE = st.lists(_WORDS, min_size=10, max_size=30).map(lambda ws: " ".join(ws).capitalize() + ".")


@settings(max_examples=60, deadline=None)
@given(description=st.one_of(st.text(max_size=300), _PROSE), shown=st.booleans(), lead=_PROSE)
def test_only_a_block_the_page_shows_is_ever_added(description, shown, lead):
    # Whatever the description says (hostile text included), the text gains at most one block,
    # first, and it is a block the reader sees on the page: never the meta tag's words alone.
    header = f'<p class="standfirst">{htmlmod.escape(lead)}</p>' if shown else ""
    plain = extract(page(description=None, header=header)).text
    got = extract(page(description=description, header=header)).text
    if got != plain:
        assert shown and got == f"{lead}\n{plain}"
        assert " ".join(description.split()).startswith(lead[:24])


def test_a_lead_opened_in_bold_is_taken_whole():
    bold, rest = LEAD[:100], LEAD[100:]
    got = extract(page(header=f'<p class="standfirst"><strong>{bold}</strong>{rest}</p>'))
    assert got.text.split("\n")[0] == LEAD


def test_a_lead_in_the_text_is_not_added_again_when_the_description_was_edited():
    # A short description that differs from the page after its opening words.
    edited = LEAD[:55] + "X" + LEAD[56:80]
    got = extract(page(description=edited, body_start=f"<p><b>{LEAD}</b></p>", header=f"<p>{LEAD}</p>"))
    assert got.text.count(LEAD) == 1 and "X" not in got.text


def test_a_description_that_only_opens_a_long_block_adds_nothing():
    from lxml import etree

    from wiredesk.ingest.extract.lead import add_lead

    body = etree.fromstring(f"<body><p>{STORY[0]}</p></body>")
    lead_alone = etree.fromstring(f"<html><body><div>{LEAD}</div></body></html>")
    long_block = etree.fromstring(f"<html><body><div>{LEAD} {' '.join(STORY * 2)}</div></body></html>")
    assert not add_lead(body, long_block, (LEAD,), TITLE) and len(body) == 1
    assert add_lead(body, lead_alone, (LEAD,), TITLE) and body[0].text == LEAD


def test_the_page_header_block_with_the_headline_is_not_a_lead():
    # The description opens with the headline as the page shows it, another than the meta title.
    shown = "Harbour wall: the works begin"
    html = page(description=f"{shown} {LEAD}", header=f"<p>{LEAD}</p>").replace(
        f"<h1>{TITLE}</h1>", f"<h1>{shown}</h1>\n").replace(
        "<title>", f'<meta property="og:title" content="{TITLE}"><title>')
    got = extract(html)
    assert shown not in got.text


def test_loose_text_at_the_start_of_the_text_stays_after_the_lead():
    from lxml import etree

    from wiredesk.ingest.extract.lead import add_lead

    tree = etree.fromstring(f"<html><body><div><p>{LEAD}</p></div></body></html>")
    body = etree.fromstring("<body>Loose words first.<p>A paragraph.</p></body>")
    assert add_lead(body, tree, (LEAD,), TITLE)
    assert [body.text, body[0].text, body[0].tail, body[1].text] == [None, LEAD, "Loose words first.", "A paragraph."]


SITE = "The Lanmouth Post: independent news from the harbour town and its villages since 1887."


@pytest.mark.parametrize("place", ["header", "elsewhere"])
@pytest.mark.parametrize("block", [
    '<p class="site-description">{t}</p>',
    '<div class="site-branding"><p>{t}</p></div>',
    '<div id="footer-about"><div class="about"><p>{t}</p></div></div>',
    '<div class="sidebar widget"><p>{t}</p></div>',
    '<section class="newsletter-signup"><p>{t}</p></section>',
    '<div id="cookie-consent"><p>{t}</p><button>Accept</button></div>',
    '<div role="complementary"><p>{t}</p></div>',
    '<div class="visually-hidden"><p>{t}</p></div>',
    '<div style="position: absolute; left: -9999px"><p>{t}</p></div>',
    '<div style="visibility: hidden"><p>{t}</p></div>',
    '<div class="d-none"><p>{t}</p></div>',
    '<details><summary>About us</summary><p>{t}</p></details>',
    '<table><tr><td>{t}</td></tr></table>',
])
def test_a_site_wide_description_in_page_furniture_is_not_a_lead(place, block):
    # Sites without a description of their own for the article fall back to their tagline.
    shown = block.format(t=SITE)
    got = extract(page(description=SITE, **{place: shown}))
    assert not got.text.startswith(SITE)


def test_a_tagline_in_the_site_header_above_the_headline_is_not_a_lead():
    html = page(description=SITE).replace("<nav>", f"<header><p>{SITE}</p></header><nav>")
    assert SITE not in extract(html).text


def test_a_lead_in_the_article_header_block_above_the_headline_is_taken():
    # Some templates put the standfirst before the headline in the markup (and move it by CSS).
    html = page().replace(f"<h1>{TITLE}</h1>", f"<p>{LEAD}</p><h1>{TITLE}</h1>")
    assert extract(html).text.split("\n")[0] == LEAD


@pytest.mark.parametrize("variant", [
    "UPDATED: " + LEAD,
    LEAD.replace("January storms", "January’s storms"),
    LEAD.replace("found the money", "found the funds"),
])
def test_a_lead_already_in_the_text_in_other_words_is_not_added(variant):
    # The page shows a variant of the lead in its header and the lead again as the first paragraph.
    got = extract(page(description=variant, header=f"<p>{variant}</p>", body_start=f"<p>{LEAD}</p>"))
    assert got.text.split("\n")[0] == LEAD and variant not in got.text


def test_the_lead_reads_as_shown_breaks_become_spaces_and_bylines_stay_out():
    first, second = LEAD.split(", and ")
    more = "Work on the quay follows in the spring, once the boats have moved to the north quay for the season."
    header = (f'<div class="standfirst">{first},<br>and {second}<p>{more}</p>'
              f'<span class="byline">By Jane Smith, 6 December</span> <time>4 min read</time></div>')
    got = extract(page(description=f"{LEAD} {more}", header=header))
    assert got.text.split("\n")[0] == f"{LEAD} {more}"


def test_an_earlier_copy_in_page_furniture_does_not_hide_the_lead():
    ticker = f'<div class="ticker"><a href="/news/harbour-wall">{LEAD}</a></div>'
    html = page(header=f'<p class="standfirst">{LEAD}</p>').replace("<nav>", ticker + "<nav>")
    assert extract(html).text.split("\n")[0] == LEAD


def test_angle_brackets_in_a_description_are_text_not_markup():
    lead = "Shares in Quayside Holdings fell <5% while harbour bonds rose >2% after the council vote on the wall."
    got = extract(page(description=lead, header=f"<p>{htmlmod.escape(lead)}</p>"))
    assert got.text.split("\n")[0] == lead


@pytest.mark.parametrize("bad", ["&#1;", "&#xFFFF;", "&#xD800;", "\x0b", "&#0;"])
def test_characters_xml_cannot_hold_in_a_description_break_nothing(bad):
    html = page(header=f'<p class="standfirst">{LEAD}</p>').replace(
        f'content="{htmlmod.escape(LEAD)}"', f'content="Lanmouth{bad} {htmlmod.escape(LEAD)}"')
    got = extract(html)
    assert all(line in got.text for line in STORY)


def test_a_page_repeating_the_description_costs_a_bounded_number_of_reads(monkeypatch):
    # A hostile page repeats the description's opening in thousands of spans: each is looked at
    # from its text up, so the reads are bounded, not one read of the page per span.
    from wiredesk.ingest.extract import lead as lead_module

    reads = []
    real = lead_module.text_within

    def counted(element, limit):
        reads.append(limit)
        return real(element, limit)

    monkeypatch.setattr(lead_module, "text_within", counted)
    words = "wall " * 40
    spans = "".join(f"<span>{words}</span>" for _ in range(3000))
    description = "wall " * 6 + "and the council found the money to rebuild it before the winter storms."
    got = extract(page(description=description, elsewhere=f"<div>{spans}</div>"))
    assert STORY[0] in got.text
    assert len(reads) <= 2 * lead_module._MAX_NODES * lead_module._MAX_UP


def test_a_block_that_only_opens_like_the_description_is_not_a_lead():
    other = LEAD[:80] + " said the mayor of Pellow, whose own sea wall has waited for repairs for ten years."
    got = extract(page(elsewhere=f"<div class='column'><p>{other}</p></div>"))
    assert not got.text.startswith(other)


def test_layout_and_category_classes_of_the_page_do_not_hide_the_lead():
    # WordPress writes the theme's layout and the post's categories on <body> and <article>.
    html = page(header=f'<p class="standfirst">{LEAD}</p>').replace(
        "<body>", '<body class="single has-sidebar category-comment tag-newsletter">')
    assert extract(html).text.split("\n")[0] == LEAD


# A standfirst the first paragraph repeats: templates show the lead in bold and open the text
# with the same sentences again; the text then says them once, in the fuller paragraph.
@pytest.mark.parametrize("repeat", [
    f"{LEAD} {STORY[0]}",  # the first paragraph opens with the lead
    f"Lanmouth. {LEAD}",  # a dateline before it
    f"<strong>LANMOUTH</strong> – {LEAD} {STORY[0]}",
])
def test_a_standfirst_the_first_paragraph_repeats_is_said_once(repeat):
    got = extract(page(body_start=f'<p class="standfirst"><b>{LEAD}</b></p><p>{repeat}</p>'))
    assert got.text.count(LEAD) == 1
    assert LEAD in got.text.split("\n")[0]  # the fuller paragraph stays, first
    assert all(line in got.text for line in STORY)


def test_a_paragraph_quoting_the_standfirst_further_on_keeps_both():
    later = f"{STORY[1]} {STORY[2]} As the council put it: {LEAD}"
    got = extract(page(body_start=f'<p class="standfirst">{LEAD}</p><p>{later}</p>'))
    assert got.text.count(LEAD) == 2


@settings(max_examples=40, deadline=None)
@given(first=_PROSE, second=_PROSE)
def test_two_opening_paragraphs_neither_holding_the_other_both_stay(first, second):
    assume(" ".join(first.split()) not in " ".join(second.split()))
    assume(" ".join(second.split()) not in " ".join(first.split()))
    got = extract(page(description=None, body_start=f"<p>{first}</p><p>{second}</p>"))
    assert got.text.split("\n")[:2] == [" ".join(first.split()), " ".join(second.split())]

"""Blocks a reader never sees are not article text; what a reader can open stays."""

from __future__ import annotations

import html as html_lib

from hypothesis import given, settings
from hypothesis import strategies as st

from wiredesk.ingest.extract import extract_article
from wiredesk.ingest.extract.fastpath import load_tree
from wiredesk.ingest.extract.hidden import drop_hidden

BODY = "".join(
    f"<p>The harbour board of Lakeside voted on item {i} of the winter ferry timetable after a long debate.</p>"
    for i in range(8)
)


def _page(extra: str, *, head: str = "") -> str:
    return (f"<!DOCTYPE html><html><head><title>Ferry timetable agreed</title>{head}</head><body>"
            f"<article><h1>Ferry timetable agreed</h1>{BODY}{extra}</article></body></html>")


def _text(extra: str, **kw) -> str:
    return extract_article(_page(extra, **kw), url="https://wire.example/ferry").text


HIDING = [
    "<div hidden><p>{}</p></div>",
    "<div HIDDEN=''><p>{}</p></div>",
    "<div style='display:none'><p>{}</p></div>",
    "<div style='color: red; DISPLAY : NONE ;'><p>{}</p></div>",
    "<div aria-hidden='true'><p>{}</p></div>",
    "<ul aria-hidden='TRUE'><li>{}</li></ul>",
    "<div style='--x: 1; display:none'><p>{}</p></div>",
    "<dialog><p>{}</p></dialog>",
    "<p><span style='display:none'>{}</span></p>",
    "<div hidden style='display:none' aria-hidden='true'><div hidden><p>{}</p></div></div>",
]
SECRET = "Quillon marmoset tangerine"


def test_each_way_of_hiding_a_block_removes_it():
    for template in HIDING:
        assert SECRET not in _text(template.format(SECRET)), template
        assert "item 7 of the winter ferry timetable" in _text(template.format(SECRET))


def test_what_a_reader_can_open_or_read_stays():
    kept = [
        "<details><summary>More</summary><p>{}</p></details>",
        "<div hidden='until-found'><p>{}</p></div>",
        "<p>{}</p>",
    ]
    for template in kept:
        assert SECRET in _text(template.format(f"{SECRET} is what the harbour board said it would study next.")), template


LONG = "".join(f"<p>{SECRET} paragraph {i} of the report on the harbour board and its winter plans.</p>" for i in range(10))
SHOWN = [
    # a script reveals the article once the page has loaded
    f"<div style='visibility:hidden' class='reveal'>{LONG}</div>",
    # a child made visible again inside a hidden parent is drawn
    f"<div style='visibility:hidden'><div style='visibility:visible'>{LONG}</div></div>",
    # the page wrapped while a modal is open
    f"<div aria-hidden='true' class='page-wrap'>{LONG}</div>",
    f"<div style='display:none' class='js-article'>{LONG}</div>",
    # a custom property that mentions display is not the display property
    f"<div style='--mobile-display:none'>{LONG}</div>",
]


def test_text_a_reader_does_see_is_kept():
    for block in SHOWN:
        page = ("<!DOCTYPE html><html><head><title>Winter plans</title></head><body><nav><a href='/'>Home</a></nav>"
                f"<main>{block}</main></body></html>")
        text = extract_article(page, url="https://wire.example/winter").text
        assert f"{SECRET} paragraph 9" in text, block


def test_an_inline_letter_hidden_from_screen_readers_stays():
    tree = load_tree("<html><body><p><span aria-hidden='true'>T</span>he harbour opened.</p></body></html>")
    drop_hidden(tree)
    assert "".join(tree.find(".//p").itertext()) == "The harbour opened."


def test_a_hidden_repeat_of_the_article_goes_and_the_article_stays():
    repeat = f"<div style='display:none' itemprop='articleBody'>{BODY}</div>"
    tree = load_tree(_page(repeat))
    assert drop_hidden(tree) == 1
    assert tree.xpath("count(//p[starts-with(., 'The harbour board')])") == 8


def test_a_long_hidden_dialog_goes():
    dialog = "".join(f"<p>{SECRET} {i}: sign up to our newsletter and never miss a ferry story again.</p>" for i in range(8))
    assert SECRET not in _text(f"<div role='dialog' aria-hidden='true' class='modal'>{dialog}</div>")


def test_metadata_in_a_hidden_block_is_still_read():
    ld = ('<div style="display:none"><script type="application/ld+json">'
          '{"@type": "NewsArticle", "author": {"name": "Mira Okonkwo"}, "datePublished": "2026-11-30T08:00:00Z"}'
          "</script></div>")
    found = extract_article(_page(ld), url="https://wire.example/ferry")
    assert found.author == "Mira Okonkwo"
    assert found.published is not None and found.published.year == 2026


WORD = st.text(alphabet=st.characters(whitelist_categories=("Lu", "Ll")), min_size=3, max_size=10)


@settings(deadline=None)
@given(st.lists(WORD, min_size=1, max_size=40).map(" ".join), st.sampled_from(HIDING), st.integers(0, 7))
def test_hidden_text_never_reaches_the_article(words, template, position):
    marker = f"Zyxq {words} Zyxq"
    paragraphs = BODY.split("</p>")
    paragraphs.insert(position, template.format(html_lib.escape(marker)))
    page = _page("").replace(BODY, "</p>".join(paragraphs))
    text = extract_article(page, url="https://wire.example/ferry").text
    assert "Zyxq" not in text


SLIDES = [
    f"Stop {n} of the coastal walk passes the {place}, where the path climbs above the cliffs and the sea opens up."
    for n, place in enumerate(["old lighthouse", "seal colony", "smugglers' cave", "chapel ruin", "salt pans",
                               "watch tower", "fishing hut", "lifeboat station", "quarry pool", "bird hide"], 1)
]


def test_an_article_in_slides_shown_one_at_a_time_stays_whole():
    """A slideshow hides every slide in the markup (a script shows one at a time): each is a
    small share of the page, together they are the article."""
    slides = "".join(f"<div class='slide' style='display: none'><h2>Stop {n}</h2><p>{line}</p></div>"
                     for n, line in enumerate(SLIDES, 1))
    html = ("<!DOCTYPE html><html><head><title>Ten stops on the coastal walk</title></head><body>"
            "<nav><a href='/'>Home</a> <a href='/walks'>Walks</a></nav><article><h1>Ten stops on the coastal walk</h1>"
            f"<div class='slides'>{slides}</div></article>"
            "<div class='menu' hidden><p>Sign in to save this walk to your list of favourite routes.</p></div>"
            "<div class='menu' hidden><p>Share this walk with a friend by email or by text message.</p></div>"
            "</body></html>")
    got = extract_article(html, url="https://walks.example/coastal")
    for line in SLIDES:
        assert line in got.text
    # Hidden blocks that are not most of the page go as before.
    assert "Sign in to save" not in got.text and "Share this walk" not in got.text
    tree = load_tree(html)
    assert drop_hidden(tree) == 2


def test_a_page_hidden_behind_a_modal_stays_and_the_modal_goes():
    """The whole page wrapped and hidden while a modal is open: the wrapper is most of the
    page and stays; the modal, its hidden sibling, does not come back with it."""
    article = "".join(f"<p>{line}</p>" for line in SLIDES)
    modal = ("<p>Join the walkers' club: every month a new route along the coast, with the tides, "
             "the bus times back to town and a map you can print, sent to you on the first Friday.</p>")
    html = ("<!DOCTYPE html><html><head><title>Ten stops on the coastal walk</title></head><body>"
            f"<div class='wrap' aria-hidden='true'><div class='text'>{article}</div></div>"
            f"<div class='box' aria-hidden='true'><div class='text'>{modal}</div></div>"
            "</body></html>")
    got = extract_article(html, url="https://walks.example/coastal")
    assert all(line in got.text for line in SLIDES)
    assert "walkers' club" not in got.text
    tree = load_tree(html)  # (the extractor may drop the modal by itself; the hidden pass must)
    assert drop_hidden(tree) == 1
    assert "walkers' club" not in tree.text_content() and SLIDES[0] in tree.text_content()

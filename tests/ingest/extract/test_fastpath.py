"""The extraction's shortcuts into trafilatura change nothing in what it returns, on any page."""

from __future__ import annotations

import html as html_lib
from copy import copy

import lxml.html
import pytest
import trafilatura
import trafilatura.external
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from lxml import etree
from trafilatura.utils import trim

from tests.golden import FIXTURES
from wiredesk.ingest.extract import extract_article, fastpath
from wiredesk.ingest.extract.article import TRAFILATURA_OPTIONS

WORDS = st.sampled_from([
    "harbour", "council", "ferry", "vote", "the", "and", "of", "museum", "rain", "bridge", "Lakeside",
    "tonight", "Élan", "Straße", "市议会", "dockers", "said", "on", "Tuesday", "42", "percent", "a",
])
SENTENCE = st.lists(WORDS, min_size=1, max_size=60).map(" ".join)


def _text(s: str) -> str:
    return html_lib.escape(s, quote=False)


LEAF = st.one_of(
    SENTENCE.map(lambda s: f"<p>{_text(s)}.</p>"),
    # the body of an article: most pages are mostly that, where the shortcut is taken
    st.lists(SENTENCE, min_size=3, max_size=10).map(lambda xs: "".join(f"<p>{_text(x)}.</p>" for x in xs)),
    SENTENCE.map(lambda s: f"<p>{_text(s)} <a href='/more'>{_text(s[:20])}</a> and more.</p>"),
    SENTENCE.map(lambda s: f"<h2>{_text(s[:60])}</h2>"),
    SENTENCE.map(lambda s: f"<div class='promo'>{_text(s)}</div>"),
    SENTENCE.map(lambda s: f"<aside class='related'><a href='/r'>{_text(s)}</a></aside>"),
    st.lists(SENTENCE, min_size=1, max_size=6).map(
        lambda xs: "<ul class='nav menu'>" + "".join(f"<li><a href='/s'>{_text(x)}</a></li>" for x in xs) + "</ul>"),
    st.lists(SENTENCE, min_size=1, max_size=4).map(
        lambda xs: "<table>" + "".join(f"<tr><td>{_text(x)}</td><td>3</td></tr>" for x in xs) + "</table>"),
    SENTENCE.map(lambda s: f"<figure><img src='/p.jpg'><figcaption>{_text(s)}</figcaption></figure>"),
    st.just("<iframe src='https://video.example/embed/1'></iframe>"),
    st.just("<iframe src='https://www.youtube.com/embed/x'></iframe>"),
    SENTENCE.map(lambda s: f"<div>{_text(s)}<br>{_text(s[::-1])}</div>"),
    SENTENCE.map(lambda s: f"<form><label>{_text(s[:30])}</label><input name='q'></form>"),
    # markup written raw: escapes, stray brackets, and elements a parser reads as raw text
    st.tuples(st.sampled_from(["p", "xmp", "noembed", "noframes", "plaintext", "textarea", "noscript", "pre", "title"]),
              st.text(alphabet="&<>;#x1a \n", max_size=300)).map(lambda t: f"<{t[0]}>{t[1]}</{t[0]}>"),
)
BLOCKS = st.recursive(
    st.lists(LEAF, min_size=1, max_size=6).map("".join),
    lambda inner: st.tuples(st.sampled_from(["div", "section", "article", "div class='content'", "main"]),
                            st.lists(inner, min_size=1, max_size=3)).map(
        lambda t: f"<{t[0]}>{''.join(t[1])}</{t[0].split()[0]}>"),
    max_leaves=12,
)


@st.composite
def pages(draw) -> str:
    title = draw(SENTENCE)
    nav = draw(st.lists(SENTENCE, max_size=8))
    body = draw(BLOCKS)
    footer = draw(st.lists(SENTENCE, max_size=3))
    return (
        f"<!DOCTYPE html><html><head><title>{_text(title)}</title></head><body>"
        + "<nav>" + "".join(f"<a href='/n'>{_text(n)}</a>" for n in nav) + "</nav>"
        + f"<h1>{_text(title)}</h1>{body}"
        + "<footer>" + "".join(f"<p>{_text(f)}</p>" for f in footer) + "</footer></body></html>"
    )


def _serialised(element) -> bytes:
    return etree.tostring(element, encoding="utf-8") if element is not None else b""


def _extraction(page: str, *, shortcut: bool):
    tree = fastpath.load_tree(page)
    if shortcut:
        with fastpath.own_text_first():
            document = trafilatura.bare_extraction(tree, **TRAFILATURA_OPTIONS)
    else:
        document = trafilatura.bare_extraction(tree, **TRAFILATURA_OPTIONS)
    body = getattr(document, "body", None)
    return _serialised(body), trim(" ".join(body.itertext())) if body is not None else ""


def test_the_comparison_shortcut_is_installed():
    # Without it extraction still works, but slower: an upgrade of trafilatura that moved the
    # comparison must be noticed here, not in a benchmark months later.
    assert fastpath.INSTALLED, "trafilatura's compare_extraction changed: see wiredesk/ingest/extract/fastpath.py"
    assert trafilatura.core.compare_extraction is fastpath._compare_extraction


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pages())
def test_the_comparison_shortcut_never_changes_the_extraction(page):
    assert _extraction(page, shortcut=True) == _extraction(page, shortcut=False)


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pages())
def test_readability_never_returns_more_text_than_the_bound(page):
    tree = fastpath.load_tree(page)
    # With raw-text elements the bound does not hold (and the shortcut is never taken).
    assume(not fastpath._RAW_TEXT(tree))
    found = trafilatura.external.try_readability(copy(tree))
    text = trim(etree.tostring(found, method="text", encoding="utf-8").decode("utf-8"))
    assert len(text) <= fastpath.text_bound(tree)


def _long_article() -> str:
    paragraphs = "".join(
        f"<p>The ferry council met on day {i} and voted on the harbour's timetable for the coming winter season.</p>"
        for i in range(30)
    )
    return (f"<!DOCTYPE html><html><head><title>Ferry timetable</title></head><body><nav><a href='/'>Home</a></nav>"
            f"<article><h1>Ferry timetable</h1>{paragraphs}</article></body></html>")


@pytest.fixture
def readability_calls(monkeypatch):
    calls = []
    original = trafilatura.external.try_readability

    def counting(tree):
        calls.append(1)
        return original(tree)

    monkeypatch.setattr(trafilatura.external, "try_readability", counting)
    return calls


def test_readability_is_skipped_where_it_cannot_matter_and_only_inside_wiredesk(readability_calls):
    page = _long_article()
    extract_article(page, url="https://wire.example/ferry")
    assert readability_calls == []
    # Anyone else in the process calling trafilatura gets trafilatura unchanged.
    trafilatura.bare_extraction(fastpath.load_tree(page), **TRAFILATURA_OPTIONS)
    assert readability_calls == [1]


def test_readability_still_runs_where_it_may_win(readability_calls):
    # Our text is short beside the page's (a long list of links): readability might find
    # twice as much, so it is asked.
    links = "".join(f"<li><a href='/s{i}'>Another headline about the harbour council number {i}</a></li>" for i in range(60))
    page = (f"<!DOCTYPE html><html><head><title>Ferry timetable</title></head><body><article><h1>Ferry timetable</h1>"
            f"<p>{'The council met about the ferry. ' * 10}</p></article><ul class='more'>{links}</ul></body></html>")
    extract_article(page, url="https://wire.example/ferry")
    assert readability_calls


ODD_INPUTS = [
    "",
    "plain words and no markup at all",
    "<p>only a fragment</p>",
    '<?xml version="1.0" encoding="utf-8"?><html><head></head><body><p>declared</p></body></html>',
    '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd">\n'
    "<html><head><title>t</title></head><body><p>xhtml</p></body></html>",
    '<html lang="en"/>\n<head><title>t</title></head><body><p>closed on itself</p></body>',
    "<html><head></head><body><p>bell\x07 and form feed\x0c and \ufffe</p></body></html>",
    "<html><body><div><div><p>unclosed",
]


@pytest.mark.parametrize("page", ODD_INPUTS)
def test_the_fast_loader_parses_odd_pages_as_trafilatura_does(page):
    assert _serialised(fastpath.load_tree(page)) == _serialised(trafilatura.load_html(page))


@settings(deadline=None)
@given(st.one_of(
    pages(),
    st.text(max_size=300),  # mostly not HTML: trafilatura's own loader answers
    # documents with a head and a body, so the fast parser answers, with anything in them
    st.text(max_size=300).map(lambda t: f"<!DOCTYPE html>\n<html><head><title>t</title></head><body>{t}</body></html>"),
    st.text(alphabet="<>&;/!-?x \n\x00\x07\ufffe", max_size=200).map(lambda t: f"<html><head></head><body>{t}</body></html>"),
))
def test_the_fast_loader_parses_every_page_as_trafilatura_does(page):
    ours, theirs = fastpath.load_tree(page), trafilatura.load_html(page)
    assert _serialised(ours) == _serialised(theirs)


@pytest.mark.parametrize("name", sorted(p.name for p in (FIXTURES / "pages").glob("*.html")))
def test_fixture_pages_extract_as_with_trafilatura_alone(name):
    page = (FIXTURES / "pages" / name).read_bytes().decode("utf-8", "replace")
    assert _extraction(page, shortcut=True) == _extraction(page, shortcut=False)


def test_copies_of_a_parsed_page_keep_the_fast_element_classes():
    tree = fastpath.load_tree("<html><head></head><body><form><input name='q'><label>x</label></form></body></html>")
    copied = copy(tree)
    assert {type(e) for e in copied.iter(etree.Element)} == {lxml.html.HtmlElement}


@pytest.mark.parametrize("tag", ["xmp", "noembed", "noframes", "plaintext"])
def test_raw_text_elements_keep_the_comparison(tag):
    # Readability's result is written out and parsed again; in these elements each "&" comes
    # back as "&amp;", so its text outgrows any count of the page's own characters.
    paragraphs = "".join(f"<p>The harbour board met on day {i} and agreed the timetable for the winter.</p>" for i in range(6))
    page = (f"<!DOCTYPE html><html><head><title>t</title></head><body><article>{paragraphs}"
            f"<{tag}>{'&' * 150}</{tag}></article></body></html>")
    assert _extraction(page, shortcut=True) == _extraction(page, shortcut=False)

"""Main text of an article page: trafilatura on one parsed tree, plus captions and credits."""

from __future__ import annotations

import copy
import itertools
import re
import unicodedata

import lxml.html
import trafilatura
from lxml.etree import XPath, _Element

from wiredesk.core.timelimits import TIME_LIMITS
from wiredesk.ingest.extract.blocks import NOT_XML, block_text, remove_block
from wiredesk.ingest.extract.calls import drop_calls
from wiredesk.ingest.extract.continued import add_continuation
from wiredesk.ingest.extract.credits import drop_credits
from wiredesk.ingest.extract.errors import ExtractError
from wiredesk.ingest.extract.fastpath import load_tree, own_text_first
from wiredesk.ingest.extract.figures import place_images
from wiredesk.ingest.extract.furniture import body_lines, line_keys, strip_furniture
from wiredesk.ingest.extract.guards import check_depth, check_size, decode_html
from wiredesk.ingest.extract.hidden import drop_hidden
from wiredesk.ingest.extract.lead import add_lead
from wiredesk.ingest.extract.pagemeta import page_metadata
from wiredesk.ingest.extract.render import to_html, to_text
from wiredesk.ingest.extract.teasers import drop_teasers, page_hosts
from wiredesk.ingest.types import Extracted, Image

# Measured on the extraction-dev pages: links on; images, comments and trafilatura's own
# metadata pass off (images are placed afterwards, see figures.py); default balance
# between precision and recall. Output format "txt" rather than bare_extraction's default
# "python": the same body tree, without also rendering it as text (to_text does that).
TRAFILATURA_OPTIONS = {
    "include_comments": False,
    "include_links": True,
    "include_images": False,
    "include_tables": True,
    "with_metadata": False,
    "output_format": "txt",
}


# Page furniture every one of trafilatura's passes throws away (its main extractor, the
# readability and justext fallbacks, and its whole-page text measure all remove these), but
# only after copying the tree, which it does several times per page. Dropped once, here,
# nothing is copied or scanned for them again: extraction took 2.5 % less time on the
# extraction-dev pages (page by page, alternating), and its output was the same (F1 0.9239
# before, 0.9241 after).
# JSON-LD stays: the page metadata reads it, and so does trafilatura's forum check.
_INERT = XPath(".//script[not(@type='application/ld+json')]|.//style|.//svg|.//template")


def _drop_inert(tree) -> None:
    for element in _INERT(tree):
        element.drop_tree()  # keeps the text that follows the element


SOFT_HYPHEN = "\u00ad"
# How a page writes one: the character, its named entity (with or without its semicolon), or a
# numeric one (&#173;, &#x00AD;, ...). Substring tests first: a regular expression over every
# page cost more than the rare walk it saves.
_SOFT_HYPHEN_NUMERIC = re.compile(r"&#(?:0*173|[xX]0*[aA][dD])(?![0-9a-fA-F])")


def _has_soft_hyphens(text: str) -> bool:
    return SOFT_HYPHEN in text or "&shy" in text or ("&#" in text and bool(_SOFT_HYPHEN_NUMERIC.search(text)))


# Numeric references to characters XML cannot hold (controls, surrogates, U+FFFE and U+FFFF):
# the HTML parser takes them in, and trafilatura, which copies the tree as XML, then finds no
# text at all in the page. The references only: the characters themselves are removed from
# the source before parsing (fastpath.py).
_NOT_XML_REFERENCE = re.compile(
    r"&#(?:0*(?:[0-8]|1[1245-9]|2[0-9]|3[01]|5529[6-9]|55[3-9][0-9]{2}|5[67][0-9]{3}|6553[45])(?![0-9])"
    r"|[xX]0*(?:[0-8bBcCeEfF]|1[0-9a-fA-F]|[dD][89a-fA-F][0-9a-fA-F]{2}|[fF]{3}[eEfF])(?![0-9a-fA-F]))")


def _has_not_xml_references(text: str) -> bool:
    return "&#" in text and bool(_NOT_XML_REFERENCE.search(text))


# The attributes a reader sees or a search reads; links and sources stay as they are.
_SHOWN_ATTRIBUTES = ("alt", "title", "content")


def _nfc(value: str) -> str:
    """One spelling of each character: "e" + combining acute and "é" look the same but differ
    for search and for a reader's find-in-page; NFC is the W3C's form for the web."""
    return value if value.isascii() else unicodedata.normalize("NFC", value)


def _without_soft_hyphens(value: str) -> str:
    """Soft hyphens are hints where a browser may break a word, invisible otherwise. Kept, they
    split the word for search and for anything that compares text ("Mit\u00adtel\u00adal\u00adter" is
    not "Mittelalter"); pages hyphenated by their CMS carry one every few letters, in the text,
    the captions and the alt texts alike."""
    return value.replace(SOFT_HYPHEN, "") if SOFT_HYPHEN in value else value


def _without_not_xml(value: str) -> str:
    return NOT_XML.sub("", value) if NOT_XML.search(value) else value


def _rewrite_text(tree, changes, attributes: tuple[str, ...] | None = _SHOWN_ATTRIBUTES) -> None:
    """Apply ``changes`` in turn to every text, tail and shown attribute of the page (every
    attribute when ``attributes`` is None), in one walk. On the parsed tree, not the source: NFC joins ">" and a combining U+0338 that follows
    it into "≯", which would break the tag. Links and sources are left as they are (a file
    saved under a decomposed name is another URL to a server comparing bytes)."""

    def changed(value: str) -> str:
        for change in changes:
            value = change(value)
        return value

    for element in tree.iter():
        if element.text:
            element.text = changed(element.text)
        if element.tail:
            element.tail = changed(element.tail)
        if isinstance(element.tag, str):
            for name in (element.attrib.keys() if attributes is None else attributes):
                value = element.get(name)
                if value:
                    new = changed(value)
                    if new != value:
                        element.set(name, new)


def _repeats_title(heading: str, title: str) -> bool:
    """Whether a heading's text is the page's title, or a long enough part of it."""
    return heading == title or (len(heading) >= 20 and heading in title)


def _drop_title_heading(body: _Element, title: str) -> None:
    """Remove a first heading that repeats the title: the title is returned on its own."""
    first = next(iter(body), None)
    if first is not None and first.tag == "head" and title:
        if _repeats_title(block_text(first), title):
            body.text = (body.text or "") + (first.tail or "")
            body.remove(first)


REPEATED_LEAD_MIN = 50  # characters: a standfirst, not a dateline or a label
_LEAD_WITHIN = 80  # the standfirst stands this near the start of the paragraph repeating it


def _drop_repeated_lead(body: _Element) -> None:
    """Remove a standfirst that the first paragraph repeats: templates show the lead in bold
    and open the text with the same sentences again ("Lanmouth. The council has found ..."),
    and the text then says it twice. Of the text's first two paragraphs, the one the other
    holds near its start goes; the fuller one stays."""
    paragraphs = list(itertools.islice(body.iterchildren("p"), 2))
    if len(paragraphs) < 2 or paragraphs[0].getnext() is not paragraphs[1]:
        return
    first, second = paragraphs
    a, b = ("".join(block_text(e).split()) for e in (first, second))
    if len(a) < REPEATED_LEAD_MIN or len(b) < REPEATED_LEAD_MIN:
        return
    shorter, longer, drop = (a, b, first) if len(a) <= len(b) else (b, a, second)
    if 0 <= longer.find(shorter) <= _LEAD_WITHIN:
        remove_block(drop)


# A page whose extracted text is this short may have lost its article: markup left open puts
# the <article> inside an <aside> or a footer, which the extractor drops with all it holds.
RESCUE_BELOW = 500
RESCUE_MIN_ARTICLE = 500
RESCUE_LINKED_SHARE = 0.5  # more of its text in links: a list of teasers, not an article
# The outermost ones only: a nested one is never the largest, and measuring each of many
# nested elements would read the same text once per level.
_ARTICLES = XPath("//article[not(ancestor::article or ancestor::*[@itemprop='articleBody'])]"
                  "|//*[@itemprop='articleBody'][not(ancestor::article or ancestor::*[@itemprop='articleBody'])]")
_HEADINGS = XPath(".//h1|.//h2|.//h3")


def _chars(element) -> int:
    return len(block_text(element)) if element is not None else 0


def _titled(element, title: str) -> bool:
    """Whether the element holds the page's headline: the article the page is about, not a
    list of others or the comments."""
    for heading in _HEADINGS(element):
        text = " ".join(heading.text_content().split())  # the page's tree: comments are not text
        if text and (_repeats_title(text, title) or (len(text) >= 20 and title in text)):
            return True
    return False


def _rescued(tree, document, title: str):
    """The extraction again on the page's article element alone, when the first found a small
    part of it: markup left open (an unclosed <div>, a stray <aside>) can nest the whole
    article inside a sidebar or a footer, which the extractor drops as boilerplate. The
    element must hold the page's headline, be one article (not several) and not be mostly
    links; the second extraction is taken only when it finds more than twice the text. Costs
    nothing on a page with text found."""
    have = _chars(getattr(document, "body", None))
    if have >= RESCUE_BELOW or not title:
        return document
    article, size = None, 0
    for element in _ARTICLES(tree):
        chars = _chars(element)
        if chars > size:
            article, size = element, chars
    if article is None or size < RESCUE_MIN_ARTICLE or size < 4 * have:
        return document
    linked = sum(_chars(link) for link in article.iter("a"))
    if linked > RESCUE_LINKED_SHARE * size or article.find(".//article") is not None or not _titled(article, title):
        return document
    page = lxml.html.fromstring("<html><head></head><body></body></html>")
    page.find("body").append(copy.deepcopy(article))
    retry = trafilatura.bare_extraction(page, **TRAFILATURA_OPTIONS)
    return retry if _chars(getattr(retry, "body", None)) > 2 * have else document


def _body_of(page) -> _Element | None:
    """The extractor's text of a page put together from parts of the article (continued.py)."""
    with own_text_first():  # an error here is caught around add_continuation: the first part stands
        document = trafilatura.bare_extraction(page, **TRAFILATURA_OPTIONS)
    return getattr(document, "body", None)


def extract_article(html: bytes | str, *, url: str, furniture: frozenset[str] = frozenset()) -> Extracted:
    """Extract title, body (simple HTML and text), images and byline from an article page.

    ``furniture``: keys of the lines the page's source repeats on its pages (learned by
    extract/furniture.py), taken out of the text.
    """
    check_size(html)
    check_depth(html)
    text = decode_html(html) if isinstance(html, bytes) else html
    if not text.strip():
        raise ExtractError("no_main_text", "empty page")
    try:
        tree = load_tree(text)
        if tree is None:
            raise ExtractError("no_main_text", "not an HTML document")
        # Most pages are in NFC and have no soft hyphens: no walk over the tree for them (the
        # NFC check alone costs little).
        changes = [change for change, needed in ((_nfc, not unicodedata.is_normalized("NFC", text)),
                                                 (_without_soft_hyphens, _has_soft_hyphens(text))) if needed]
        if changes:
            _rewrite_text(tree, changes)
        if _has_not_xml_references(text):  # every attribute: links and sources fail the extractor too
            _rewrite_text(tree, [_without_not_xml], attributes=None)
        _drop_inert(tree)
        # The page's statements first: JSON-LD and itemprop metas often sit in hidden blocks.
        meta = page_metadata(tree, url=url)
        drop_hidden(tree)
        # The tree is parsed once, here; bare_extraction works on a copy of it. No url: it
        # would make trafilatura resolve every link of the page; render resolves the kept ones.
        # fastpath.py: the same output with less work.
        with own_text_first():
            document = _rescued(tree, trafilatura.bare_extraction(tree, **TRAFILATURA_OPTIONS), meta.title)
    except (ExtractError, *TIME_LIMITS):  # a time limit ends the whole refresh, not this page
        raise
    except Exception as exc:  # third-party code on hostile input: never let it crash a worker
        raise ExtractError("extractor_failed", f"{type(exc).__name__}: {exc}") from exc
    body = getattr(document, "body", None)
    if body is None:
        raise ExtractError("no_main_text", "no main text found")
    title = meta.title.replace(SOFT_HYPHEN, "")  # a JSON-LD headline may carry them too
    _drop_title_heading(body, title)
    hosts = page_hosts(tree, url)

    def close(text: _Element) -> None:  # what ends a text, done at the first part's end too
        drop_credits(text)
        drop_calls(text)
        drop_teasers(text, hosts)

    try:  # the article's parts after an ad, when it was split
        add_continuation(body, tree, _body_of, close)
    except TIME_LIMITS:
        raise
    except Exception:  # an addition on hostile input: the text found stands as it is
        pass
    add_lead(body, tree, meta.descriptions, title)  # the page's lead, when it stood outside the text
    _drop_repeated_lead(body)
    # Credits and calls first: a heading left closing the text once they go is then swept with the rest.
    close(body)
    found = body_lines(body)
    lines = line_keys(body, found)
    removed = strip_furniture(body, furniture, found)
    plain = to_text(body)
    if not plain:
        raise ExtractError("no_main_text", "no main text found")
    images = place_images(tree, body, base=url)
    if not images and meta.image:
        images = (Image(url=meta.image),)
    return Extracted(
        title=title,
        html=to_html(body, base=url),
        text=plain,
        images=images,
        author=meta.author.replace(SOFT_HYPHEN, ""),
        published=meta.published,
        lines=lines,
        furniture_removed=removed,
    )

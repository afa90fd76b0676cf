"""The article's lead (standfirst) when the extractor left it out.

News pages set the lead in bold under the headline, often in the page's header block and
outside the container that holds the paragraphs; the extractor then starts the text at the
first paragraph and the lead is lost. The same lead is usually the page's own description
(``<meta name="description">``, ``og:``, ``twitter:`` or ``dc.description``). So when a
description is shown on the page as a block of text after the headline, and the extracted
text does not hold it (or most of its words), that block opens the text.

Nothing is taken from the meta tag itself: the text added is the block the reader sees, found
by the description's opening words, and only where a lead can be. Not in navigation, a
footer, a sidebar, a form, a link, a list item, a table, a caption, a quotation, collapsed
details or a script, by tag, ARIA role, or a class or id naming such page furniture (a site's
tagline, a widget, a cookie banner, related articles, comments) or hiding the block; not the
block with the headline, not the headline again, not a description under 50 characters.

On the extraction-dev pages: text snippets found that the extractor had lost, and no
boilerplate added (figures in docs/benchmarks.md, "Extraction alone").
"""

from __future__ import annotations

import functools
import re

from lxml.etree import XPath, _Element

from wiredesk.ingest.extract.blocks import NOT_XML, block_text, text_within

LEAD_MIN = 50  # shorter descriptions are slogans and labels as often as leads
_NEEDLE = 24  # the description's opening characters, searched in the page's text
_KNOWN = 60  # the text already opening like this (or holding most of the lead's words): no lead
# A lead shares at least this share of the description from its start, and is at least this
# long against it: a description may be cut short by its CMS ("…") or run on past the lead.
_SHARED = 0.6
_AS_LONG = 0.8
_MAX_UP = 4  # from the text found up to the block holding the lead: a few inline levels
_MAX_NODES = 20  # text nodes holding the needle that are looked at (a hostile page repeats it)
_SAME_WORDS = 0.8  # the share of the lead's word pairs already in the text that makes it known
# Where a description's words may stand without being the article's lead.
_NOT_LEAD = frozenset({
    "nav", "footer", "aside", "form", "a", "button", "select", "textarea", "li", "noscript",
    "figcaption", "blockquote", "script", "h1", "details", "table", "dialog", "menu",
})
_NOT_LEAD_ROLES = frozenset({"navigation", "banner", "complementary", "contentinfo", "dialog", "menu", "search"})
# Class and id words of page furniture and hidden blocks (matched within the words of the
# attribute: "site-description", "sidebar-widget", "cookie-consent", "sr-only").
# Not the classes of <article>, <main> or the page's body (WordPress lists the post's
# categories and the theme's layout there: "category-comment", "has-sidebar"), and only the
# nearest containers.
FURNITURE_NAMES = re.compile(
    r"(?:^|[\s_-])(?:nav|menu|footer|sidebar|related|recommend|comment|cookie|consent|gdpr|"
    r"newsletter|subscri|share|social|promo|advert|sponsor|ticker|branding|tagline|slogan|"
    r"site-?desc|site-?info|site-?header|masthead|about|breadcrumb|modal|popup|sr-only|"
    r"screen-?reader|offscreen)"
    r"|(?<![\w-])(?:visually-hidden|hidden|d-none|invisible)(?![\w-])",
    re.I,
)
_CLASSES_NOT_READ = frozenset({"article", "main", "body", "html"})
_CLASS_LEVELS = 6
_HIDING_STYLE = re.compile(r"visibility:hidden|(?:left|top|text-indent):-\d{3,}|clip:rect\(0", re.I)
_BYLINE = re.compile(r"byline|author|dateline|timestamp|date|meta|credit", re.I)
_TEXT_WITH = XPath("//body//text()[contains(., $needle)]")
_MARKUP = re.compile(r"</?[A-Za-z][^<>]{0,200}>")  # some CMSs put the lead's <p> into the meta tag
_BREAKS = frozenset({"br", "p", "div", "h2", "h3", "h4", "h5", "h6", "section", "header"})


def _stem(description: str) -> str:
    """The description as text, without markup or characters XML cannot hold (a description
    cut short with "…" needs nothing more: a lead is matched on the description's opening)."""
    return " ".join(NOT_XML.sub(" ", _MARKUP.sub(" ", description)).split())


def _shared(a: str, b: str) -> int:
    """How many characters ``a`` and ``b`` share from their start."""
    n = 0
    for x, y in zip(a, b):
        if x != y:
            break
        n += 1
    return n


def _furniture(element: _Element, level: int) -> bool:
    """Whether the element (``level`` containers above the block) is page furniture or hidden,
    by tag, role, class, id or style."""
    if element.tag in _NOT_LEAD or (element.get("role") or "").strip().lower() in _NOT_LEAD_ROLES:
        return True
    if level < _CLASS_LEVELS and element.tag not in _CLASSES_NOT_READ:
        names = f"{element.get('class') or ''} {element.get('id') or ''}"
        if names.strip() and FURNITURE_NAMES.search(names):
            return True
    style = element.get("style")
    return bool(style) and bool(_HIDING_STYLE.search("".join(style.split())))


def _lead_block(tree, stem: str) -> _Element | None:
    """The block of the page showing the description; None when no block shows it where a
    lead stands."""
    squeezed = "".join(stem.split())
    for needle in _needles(stem):
        for node in _TEXT_WITH(tree, needle=needle)[:_MAX_NODES]:
            block = _block_around(node.getparent(), stem, squeezed)
            if block is not None and not any(_furniture(e, n) for n, e in enumerate((block, *block.iterancestors()))):
                if block.find(".//h1") is None:  # not the page's header block, headline and all
                    return block
    return None


def _needles(stem: str):
    """The description's opening words, then words from its middle: markup may split the
    opening (a dateline in bold, a link) into several text nodes."""
    yield stem[:_NEEDLE]
    middle = stem.find(" ", len(stem) // 3) + 1
    if 0 < middle < len(stem) - _NEEDLE:
        yield stem[middle:middle + _NEEDLE]


def _block_around(element: _Element | None, stem: str, squeezed: str) -> _Element | None:
    """From the element holding a text node with part of the description (for text after an
    element, that element) up to the block showing all of it, if one does. Compared without
    whitespace: a line break (<br>) or a paragraph end in the block is a space in the
    description, and the page's text joins the pieces without one. ``squeezed``: the stem
    without whitespace."""
    limit = 2 * len(stem) + 100  # more than this is a container of more than the lead
    for _ in range(_MAX_UP):
        if element is None or not isinstance(element.tag, str):
            return None
        text = text_within(element, limit)
        if text is None:
            return None
        text = "".join(text.split())
        shared = _shared(text, squeezed)
        if shared >= LEAD_MIN and shared >= _SHARED * len(squeezed) and len(text) >= _AS_LONG * len(squeezed):
            return element
        element = element.getparent()
    return None


def _in_site_header(tree, block: _Element, title: str) -> bool:
    """Whether the block stands in a <header> above the page's headline that does not hold
    it: the site's header, where its tagline is (an article's header holds its headline)."""
    headers = [a for a in block.iterancestors("header")]
    if not headers:
        return False
    headline = next((h for h in tree.iter("h1") if _headline_like(block_text(h), title)), None)
    if headline is None:
        return False
    for element in tree.iter():
        if element is headline:
            return False  # the block comes after the headline
        if element is block:
            break
    return not any(headline in header.iter("h1") for header in headers)


def _display_text(block: _Element) -> str:
    """The block's text as a reader sees it: a space where a line or paragraph breaks, without
    bylines, dates and credits set inside it."""
    parts: list[str] = []

    def walk(element: _Element) -> None:
        if isinstance(element.tag, str) and element is not block:
            if element.tag == "time" or _BYLINE.search(f"{element.get('class') or ''} {element.get('id') or ''}"):
                parts.append(" ")
                return
            if element.tag in _BREAKS:
                parts.append(" ")
        if element.text and isinstance(element.tag, str):
            parts.append(element.text)
        for child in element:
            walk(child)
            if child.tail:
                parts.append(child.tail)
        if element.tag in _BREAKS:
            parts.append(" ")

    walk(block)
    return " ".join("".join(parts).split())


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", text.casefold())


def _pairs(text: str) -> set[tuple[str, str]]:
    words = _words(text)
    return set(zip(words, words[1:]))


def _known(lead: str, have: str, have_pairs) -> bool:
    """Whether the text already holds the lead: its opening, or most of its word pairs (the
    same lead with a label before it, other quotes, or a word edited). ``have_pairs()``: the
    text's word pairs, worked out on first use."""
    if lead[:_KNOWN] in have:
        return True
    pairs = _pairs(lead)
    return bool(pairs) and len(pairs & have_pairs()) >= _SAME_WORDS * len(pairs)


def _letters(text: str) -> str:
    return "".join(c for c in text.casefold() if c.isalnum())


def _headline_like(text: str, title: str) -> bool:
    """Whether ``text`` is the headline again, in other capitals or punctuation, or with the
    site's name after it (looser than the title-heading rule's comparison: a lead that only
    resembles the headline is no loss, a headline shown twice is)."""
    lead, head = _letters(text), _letters(title)
    return bool(lead) and (lead in head or (len(head) >= 20 and lead.startswith(head[:40])))


def add_lead(body: _Element, tree, descriptions: tuple[str, ...], title: str) -> bool:
    """Put the page's lead first in ``body`` (trafilatura's output tree) when the page shows one
    of its ``descriptions`` as a block of text and the body does not hold it; return whether it
    did. ``tree`` is the parsed page, hidden blocks already dropped."""
    have = block_text(body)
    have_pairs = functools.cache(lambda: _pairs(have))  # the body's word pairs, once, if ever needed
    for description in descriptions:
        stem = _stem(description)
        if len(stem) < LEAD_MIN or stem[:_KNOWN] in have:
            continue  # no search needed (the block's own text is checked again below)
        block = _lead_block(tree, stem)
        if block is None:
            continue
        text = _display_text(block)
        if len(text) < LEAD_MIN or _known(text, have, have_pairs) or _headline_like(text, title):
            continue
        if _in_site_header(tree, block, title):
            continue
        lead = body.makeelement("p")
        lead.text = text
        lead.tail, body.text = body.text, None
        body.insert(0, lead)
        return True
    return False

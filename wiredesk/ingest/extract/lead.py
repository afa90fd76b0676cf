"""The article's lead (standfirst) when the extractor left it out.

News pages set the lead in bold under the headline, often in the page's header block and
outside the container that holds the paragraphs; the extractor then starts the text at the
first paragraph and the lead is lost. The same lead is usually the page's own description
(``<meta name="description">``, ``og:description``). So when a description is shown on the
page as a block of text, and the extracted text does not hold it, that block opens the text.

Nothing is taken from the meta tag itself: the text added is the block the reader sees, found
by the description's opening words, and only where a lead can be (not in navigation, a footer,
a sidebar, a form, a link, a list item, a caption, a quotation or a script; not the headline).
On the extraction-dev pages: 52 text snippets found that the extractor had lost, no boilerplate
added (F1 0.9347 to 0.9439; docs/benchmarks.md).
"""

from __future__ import annotations

import re

from lxml.etree import XPath, _Element

from wiredesk.ingest.extract.blocks import block_text

LEAD_MIN = 50  # shorter descriptions are slogans and labels as often as leads
_NEEDLE = 24  # the description's opening characters, searched in the page's text
# A lead shares at least this share of the description from its start, and is at least this
# long against it: a description may be cut short by its CMS ("…") or run on past the lead.
_SHARED = 0.6
_AS_LONG = 0.8
_MAX_UP = 4  # from the text found up to the block holding the lead: a few inline levels
# Where a description's words may stand without being the article's lead.
_NOT_LEAD = frozenset({
    "nav", "footer", "aside", "form", "a", "button", "select", "textarea", "li", "noscript",
    "figcaption", "blockquote", "script", "style", "h1",
})
_TEXT_WITH = XPath("//body//text()[contains(., $needle)]")
_MARKUP = re.compile(r"<[^<>]{0,200}>")  # some CMSs put the lead's <p> into the meta tag
_CUT = ("[...]", "[…]", "...", "…")


def _stem(description: str) -> str:
    """The description as text, without a closing ellipsis."""
    text = " ".join(_MARKUP.sub(" ", description).split())
    for cut in _CUT:
        if text.endswith(cut):
            return text[: -len(cut)].rstrip()
    return text


def _shared(a: str, b: str) -> int:
    """How many characters ``a`` and ``b`` share from their start."""
    n = 0
    for x, y in zip(a, b):
        if x != y:
            break
        n += 1
    return n


def _needles(stem: str):
    """The description's opening words, then words from its middle: markup may split the
    opening (a dateline in bold, a link) into several text nodes."""
    yield stem[:_NEEDLE]
    middle = stem.find(" ", len(stem) // 3) + 1
    if 0 < middle < len(stem) - _NEEDLE:
        yield stem[middle:middle + _NEEDLE]


def _lead_block(tree, stem: str) -> tuple[_Element, str] | None:
    """The block of the page showing the description, with its text; None when there is none,
    or when it stands where no lead does."""
    for needle in _needles(stem):
        for node in _TEXT_WITH(tree, needle=needle):
            found = _block_around(node, stem)
            if found is not None:
                return found or None
    return None


def _block_around(node, stem: str):
    """From a text node holding part of the description up to the block showing all of it:
    (block, text); False when that block stands where no lead does; None when there is none."""
    element = node.getparent()  # for text after an element, that element: the walk goes on up
    for _ in range(_MAX_UP):
        if element is None or not isinstance(element.tag, str):
            return None
        text = block_text(element)
        if len(text) > 2 * len(stem) + 100:
            return None  # a container of more than the lead
        shared = _shared(text, stem)
        if shared >= LEAD_MIN and shared >= _SHARED * len(stem) and len(text) >= _AS_LONG * len(stem):
            if element.tag in _NOT_LEAD or any(a.tag in _NOT_LEAD for a in element.iterancestors()):
                return False
            if element.find(".//h1") is not None:
                return False  # the page's header block, headline and all
            return element, text
        element = element.getparent()
    return None


def _letters(text: str) -> str:
    return "".join(c for c in text.casefold() if c.isalnum())


def _headline_like(text: str, title: str) -> bool:
    """Whether ``text`` is the headline again (in other capitals, or with the site's name)."""
    lead, head = _letters(text), _letters(title)
    return bool(lead) and (lead in head or (len(head) >= 20 and lead.startswith(head[:40])))


def add_lead(body: _Element, tree, descriptions: tuple[str, ...], title: str) -> bool:
    """Put the page's lead first in ``body`` (trafilatura's output tree) when the page shows one
    of its ``descriptions`` as a block of text and the body does not hold it; return whether it did."""
    have = block_text(body)
    for description in descriptions:
        stem = _stem(description)
        if len(stem) < LEAD_MIN or stem[:60] in have:
            continue  # no search needed (both are checked again on the block found)
        found = _lead_block(tree, stem)
        if found is None:
            continue
        _, text = found
        if text[:60] in have or _headline_like(text, title):
            continue
        lead = body.makeelement("p")
        lead.text = text
        lead.tail, body.text = body.text, None
        body.insert(0, lead)
        return True
    return False

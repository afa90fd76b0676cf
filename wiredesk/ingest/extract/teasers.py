"""Links to other articles left inside the main text: "Read also: <headline>" lines, and a
heading left with nothing of the article after it.

Applied to trafilatura's output tree (``p``, ``head``, ``list``/``item``, ``ref`` for links).
The signals are the shape of a block, not its words, so they hold in any language: a
paragraph or heading that is a link to another article behind a short label ending like a
lead-in ("Lea también:", "LE PUEDE INTERESAR:", "Read more:", "Auch interessant:"), and a
heading that closes the text.

Measured on the extraction-dev pages, one rule at a time (docs/benchmarks.md, "Extraction
alone"): the teaser line took out 18 of the boilerplate snippets kept before and none of the
text. Two more rules were tried and left out, each losing as much text as boilerplate it
removed: lists whose items are all links (the pages' own recommendation and press lists are
text there), and a short label line ending the text ("The paper is here:", whose link the
extractor had already dropped).
"""

from __future__ import annotations

from lxml.etree import _Element

LABEL_WORDS = 5
LABEL_CHARS = 48
LINKED_SHARE = 0.6  # of a teaser line's text inside its link
MIN_LINK_CHARS = 15  # a headline, not "here" or "more"
LEAD_IN_ENDS = (":", "»", "|", "–", ">")


def _text(element: _Element) -> str:
    return " ".join("".join(element.itertext()).split())


def _linked(element: _Element) -> str:
    return " ".join(" ".join("".join(ref.itertext()) for ref in element.iter("ref")).split())


def _teaser_line(element: _Element) -> bool:
    """A short lead-in label and a link to another article making up the whole block."""
    text, linked = _text(element), _linked(element)
    if len(linked) < MIN_LINK_CHARS or len(linked) < LINKED_SHARE * len(text) or linked not in text:
        return False
    label = " ".join(text.replace(linked, " ", 1).split())
    return (0 < len(label) <= LABEL_CHARS and len(label.split()) <= LABEL_WORDS
            and label.endswith(LEAD_IN_ENDS))


def drop_teasers(body: _Element) -> int:
    """Remove teaser lines, then headings left at the end of the text; returns how many
    blocks went. List items are left alone: a list of links with dates or sources in front
    is often the article's own (press coverage, documents)."""
    gone = 0
    for element in list(body.iter("p", "head")):
        if element.getparent() is not None and _teaser_line(element):
            _remove(element)
            gone += 1
    while len(body) and body[-1].tag == "head":
        _remove(body[-1])
        gone += 1
    return gone


def _remove(element: _Element) -> None:
    """Take an element out, keeping the text that followed it."""
    parent = element.getparent()
    tail = element.tail
    previous = element.getprevious()
    if tail and tail.strip():
        if previous is not None:
            previous.tail = (previous.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail
    parent.remove(element)

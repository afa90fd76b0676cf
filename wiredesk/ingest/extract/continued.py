"""The rest of an article split into sibling containers around an ad, a figure or a sidebar.

Templates that set an ad or a promotion between an article's paragraphs often close the
article's container before it and open another one like it after it (``<div
class="article-body">`` twice or more, an advertisement between), and block-based templates
set each run of paragraphs in a container of its own. The extractor takes the first
container that looks like the article's and ends the text where that container ends, so the
paragraphs after the break are lost.

So after the extraction, the container the text came from is found on the page: the block
holding the sources of the text's first and last paragraphs (found by their opening words),
not much larger than the text, and not past the ``<article>`` element. The siblings that
follow it are read. One continues the text when it has the same tag and the same classes as
the container (classes of any kind: layout grids name the parts of some templates), or one
set of classes within the other with the added ones naming no furniture, and reads
as the article's prose: at least two paragraphs of sentences the text does not hold yet, few
links; no form, headline, article of its own, teaser headlines, date or author (a post or a
comment); at most half of it in blocks named as furniture (a disclaimer, a gallery's
captions, a newsletter box). Between two parts stand only breaks: at most three small
elements, figures, asides or boxes that are mostly links, whatever their size. Anything else
ends the article: a sibling of another kind with text (a comment section, a contact box) or
one of the same kind that is not the article's prose. A subheading standing as a break stays
in its place between the parts.

The parts are extracted as the first was (trafilatura on a copy of the container holding their
content) and appended to the text; blocks the text already holds are not added again.

Measured on the extraction-dev pages (docs/benchmarks.md, "Extraction alone"): it continues
the text on 4 of the 990 pages, finds 2 annotated text snippets and adds no boilerplate; on
the unannotated rest it brings back the second halves of a long interview and of a magazine
article. Matching classes more loosely (sharing any one class; one set within the other
without looking at the added classes) brought an address box and a column of captions.
"""

from __future__ import annotations

import copy
import itertools
import re
from typing import Callable, Iterable, Iterator

import lxml.html
from lxml.etree import XPath, _Element

from wiredesk.ingest.extract.blocks import block_text, text_within
from wiredesk.ingest.extract.lead import FURNITURE_NAMES

PARAGRAPH_MIN = 40  # characters: a paragraph of prose, not a label or a credit line
PART_MIN_PARAGRAPHS = 2  # a part with fewer is a disclaimer or a note as often as the article
PART_LINKED_SHARE = 0.3  # more of a part's text in links: a list of stories, not the article
BREAK_MAX_CHARS = 300  # a break with more text than this, not mostly links, ends the article
BREAK_LINKED_SHARE = 0.5
MAX_BREAKS = 3  # elements between two parts
MAX_PARTS = 30
MAX_LEVELS = 6  # from the source of the text's last paragraph up to its container
CONTAINER_SLACK = 1.3  # the container's text against the extracted text (plus a margin below)
CONTAINER_MARGIN = 300
_NEEDLE = 24
_BREAK_TAGS = frozenset({"figure", "aside", "iframe", "ins", "img", "picture", "hr", "br", "video", "audio",
                         "object", "embed", "noscript", "center"})
# Not the rest of the article: a form, the page's headline, an article of its own, a frame's
# parts, headlines linked to other pages (a row of teasers), or a date and an author (a post
# or a comment of its own: the article's byline and date stand before its text).
_NOT_PROSE = XPath(".//form|.//input|.//textarea|.//select|.//h1|.//article|.//nav|.//footer"
                   "|.//h2[.//a]|.//h3[.//a]|.//h4[.//a]|.//time|.//*[@rel='author' or @itemprop='author']")
_HEADINGS = frozenset({"h2", "h3", "h4", "h5", "h6"})
_P_TEXT_WITH = XPath("//body//p/text()[contains(., $needle)]")
_TEXT_WITH = XPath("//body//text()[contains(., $needle)][not(parent::script)]")
_TRIES = 4  # paragraphs tried from each end of the text when one's source is not found
# Beyond the names of furniture a lead never stands in: legal lines after the article,
# galleries and captions (a column of pictures next to the text), an author's box.
_PART_FURNITURE = re.compile(r"disclaim|disclos|copyright|caption|gallery|slide|carousel|author"
                             r"|(?:^|[\s_-])bio(?:$|[\s_-])", re.I)
_BLOCKS = frozenset({"p", "div", "section", "article", "main", "li", "td", "blockquote", "dd", "pre",
                     "h2", "h3", "h4", "h5", "h6"})
_CONTAINERS = frozenset({"div", "section"})
# Past these the siblings are other articles or the page's frame, never the rest of this text.
_OUTERMOST = frozenset({"article", "main", "body", "html"})


def _linked(element: _Element) -> int:
    return sum(len(block_text(link)) for link in element.iter("a"))


def _source(tree, paragraph: _Element) -> _Element | None:
    """The page's block an output paragraph came from, found by the paragraph's opening words
    (its text before any inline element); None when not found or not one place."""
    opening = " ".join((paragraph.text or "").split())[:_NEEDLE]
    if len(opening) < _NEEDLE:
        return None
    # Paragraphs first: far fewer text nodes than the whole page's, and where most text stands.
    nodes = _P_TEXT_WITH(tree, needle=opening)[:2] or _TEXT_WITH(tree, needle=opening)[:2]
    if len(nodes) != 1:
        return None
    element = nodes[0].getparent()
    if nodes[0].is_tail:
        element = element.getparent()
    while element is not None and element.tag not in _BLOCKS:
        element = element.getparent()
    return element


def _alike(part: _Element, container: _Element) -> bool:
    """Same tag, and the classes of one within the other's (a modifier added to a later part:
    "article-body article-body--more", "text paywalled"), the classes added naming no furniture
    ("row footer" after "row"). A container without classes is too common to match."""
    if part.tag != container.tag:
        return False
    ours, theirs = set((container.get("class") or "").split()), set((part.get("class") or "").split())
    if not ours or not theirs or not (ours <= theirs or theirs <= ours):
        return False
    added = " ".join(ours ^ theirs)
    return not added or not (FURNITURE_NAMES.search(added) or _PART_FURNITURE.search(added))


def _is_break(element: _Element) -> bool:
    """An ad, a figure, an aside or a small box between two parts of the article."""
    if element.tag in _BREAK_TAGS:
        return True
    text = text_within(element, 20 * BREAK_MAX_CHARS)
    if text is None:
        return False
    return len(text) <= BREAK_MAX_CHARS or _linked(element) >= BREAK_LINKED_SHARE * len(text)


def _named_furniture(element: _Element) -> bool:
    names = f"{element.get('class') or ''} {element.get('id') or ''}"
    return bool(FURNITURE_NAMES.search(names) or _PART_FURNITURE.search(names))


def _furniture_share(part: _Element) -> int:
    """How much of the part's text stands in elements whose class or id names page furniture
    (a disclaimer, a newsletter box, related stories, a gallery): the outermost such elements."""
    total, stack = 0, [part]
    while stack:
        for child in stack.pop():
            if not isinstance(child.tag, str):
                continue
            if _named_furniture(child):
                total += len(block_text(child))
            else:
                stack.append(child)
    return total


def _prose(part: _Element, known: str) -> bool:
    """Paragraphs of sentences the text does not hold yet, few links, nothing of a page's frame."""
    text = block_text(part)
    if not text or _NOT_PROSE(part) or _linked(part) > PART_LINKED_SHARE * len(text):
        return False
    if _furniture_share(part) * 2 >= len(text):
        return False
    paragraphs = [p for p in (block_text(p) for p in part.iter("p")) if len(p) >= PARAGRAPH_MIN]
    if len(paragraphs) < PART_MIN_PARAGRAPHS:
        return False
    return not any(p[:60] in known for p in paragraphs)


def _parts_after(container: _Element, known: str) -> list[_Element]:
    """The parts of the article after the container, with the subheadings between them."""
    parts: list[_Element] = []
    breaks: list[_Element] = []
    for sibling in container.itersiblings():
        if not isinstance(sibling.tag, str):
            continue
        if _alike(sibling, container):
            if not _prose(sibling, known):
                break
            parts.extend(b for b in breaks if b.tag in _HEADINGS and not _named_furniture(b))
            parts.append(sibling)
            breaks = []
            if len(parts) >= MAX_PARTS:
                break
            continue
        if len(breaks) >= MAX_BREAKS or not _is_break(sibling):
            break
        breaks.append(sibling)
    return parts


def _alike_after(container: _Element) -> bool:
    """Whether a sibling like the container follows it within the breaks allowed (a look at
    tags and classes only: most pages have none, and then nothing more is read)."""
    seen = 0
    for sibling in container.itersiblings():
        if not isinstance(sibling.tag, str):
            continue
        if _alike(sibling, container):
            return True
        seen += 1
        if seen > MAX_BREAKS:
            return False
    return False


def _of_prose(paragraphs: Iterable[_Element]) -> Iterator[_Element]:
    return (p for p in paragraphs if len(block_text(p)) >= PARAGRAPH_MIN)


def _sources(tree, paragraphs: list[_Element]) -> _Element | None:
    """The page's block the first of ``paragraphs`` whose place is known came from."""
    return next((s for s in (_source(tree, p) for p in paragraphs) if s is not None), None)


def _container_parts(tree, body: _Element) -> tuple[_Element, list[_Element], str] | None:
    """The container the text came from, the parts of the article after it, and the text."""
    paragraphs = list(body.iter("p"))
    ending = list(itertools.islice(_of_prose(reversed(paragraphs)), _TRIES))
    if len(ending) < 2:
        return None
    last = _sources(tree, ending)
    if last is None:
        return None
    first = known = None
    for level, element in enumerate(last.iterancestors()):
        if level >= MAX_LEVELS or element.tag in _OUTERMOST:
            return None
        if element.tag not in _CONTAINERS or not _alike_after(element):
            continue
        if known is None:  # read only on a page with a sibling like a container of the text
            known, first = block_text(body), _sources(tree, list(itertools.islice(_of_prose(paragraphs), _TRIES)))
        if first is None:
            return None
        if first is not element and element not in first.iterancestors():
            continue
        if text_within(element, int(CONTAINER_SLACK * len(known)) + CONTAINER_MARGIN) is None:
            return None  # past the article's container: the page around it
        parts = _parts_after(element, known)
        if parts:
            return element, parts, known
    return None


def add_continuation(body: _Element, tree, extract: Callable[[_Element], _Element | None]) -> int:
    """Append the parts of the article that follow the container the text came from; returns
    how many blocks were added. ``extract`` runs the extractor on a page and returns its body."""
    found = _container_parts(tree, body)
    if found is None:
        return 0
    container, parts, known = found
    merged = lxml.html.Element(container.tag, dict(container.attrib))
    for part in parts:
        if part.tag in _HEADINGS:
            merged.append(copy.deepcopy(part))
            merged[-1].tail = None
            continue
        if part.text and part.text.strip():  # text before the part's first element
            if len(merged):
                merged[-1].tail = (merged[-1].tail or "") + " " + part.text
            else:
                merged.text = (merged.text or "") + part.text
        for child in part:
            merged.append(copy.deepcopy(child))
    page = lxml.html.fromstring("<html><head></head><body></body></html>")
    page.find("body").append(merged)
    more = extract(page)
    added = 0
    if more is None:
        return 0
    for block in list(more):
        text = block_text(block)
        if not text or text[:60] in known:
            continue
        block.tail = None
        body.append(block)
        added += 1
    return added

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
follow it are read:

- A **part** continues the text: the same tag as the container, and the same classes (of any
  kind: layout grids name the parts of some templates) or one set of classes within the
  other with the added ones naming no furniture ("article-body article-body--rest"). It
  reads as the article's prose: paragraphs (``<p>``, or ``<div>``s of text alone) the text
  does not hold yet, two at least in the first part and one in a later part; few links; no
  form or button, headline, article of its own, teaser headlines, date, author, byline or
  link to an author's page (the next story, a post, a comment); no heading naming furniture
  ("Comments", "About the author"); at most half of it in blocks named as furniture (a
  disclaimer, a gallery's captions, a newsletter box). A part shown twice is added once.
- Between two parts stand at most three elements: **breaks** (ads, figures, asides, boxes
  named as promotions or related stories whatever their size, small boxes, boxes that are
  mostly links, calls to the reader and credit lines) and the article's own **text** (a
  subheading, a short paragraph, a list: kept in its place, unless it repeats a paragraph
  of the part after it). A container of the article's kind holding only a picture is a
  break too. Empty placeholders are not counted.
- Anything else ends the article: a section of another kind with text, the head of the next
  story or of the comments (a `<header>`, a headline linking elsewhere, blocks named as a
  headline, a byline, an author's or comments' block, a date, a link to an author's page), a
  heading naming furniture ("Trending", "Read next"), a sibling of the container's kind that
  is not the article's prose, a fourth element between two parts.

The parts are extracted as the first was (trafilatura on a copy of the container holding
their content) and appended to the text, after the end of the first part was closed as any
text's end is (calls to the reader, credits, teasers); blocks the text already holds are not
added again.

Measured on the extraction-dev pages (docs/benchmarks.md, "Extraction alone"): it continues
the text on 4 of the 990 pages, finds 2 annotated text snippets and adds no boilerplate; on
the unannotated rest it brings back the second halves of a long interview and of a magazine
article. Matching classes more loosely (sharing any one class; one set within the other
without looking at the added classes) brought an address box and a column of captions; one
paragraph enough for a first part brought a publication note.
"""

from __future__ import annotations

import copy
import itertools
import re
from typing import Callable, Iterable, Iterator

import lxml.html
from lxml.etree import XPath, _Element

from wiredesk.ingest.extract.blocks import block_text, text_within
from wiredesk.ingest.extract.calls import call_line
from wiredesk.ingest.extract.credits import credit_line
from wiredesk.ingest.extract.lead import FURNITURE_NAMES

PARAGRAPH_MIN = 40  # characters: a paragraph of prose, not a label or a credit line
FIRST_PART_PARAGRAPHS = 2  # a first part with fewer is a disclaimer or a note as often as the article
PART_LINKED_SHARE = 0.3  # more of a part's text in links: a list of stories, not the article
BREAK_MAX_CHARS = 300  # a break with more text than this, not mostly links, ends the article
BREAK_LINKED_SHARE = 0.5
MAX_BETWEEN = 3  # elements between two parts (empty placeholders not counted)
MAX_PARTS = 30
MAX_SIBLINGS = 300  # siblings read after the container, empty ones included
MAX_LEVELS = 6  # from the source of the text's last paragraph up to its container
CONTAINER_SLACK = 1.3  # the container's text against the extracted text (plus a margin below)
CONTAINER_MARGIN = 300
_NEEDLE = 24  # a paragraph's opening characters, searched on the page
_OPENING = 60  # a block is known by its opening characters
_BREAK_TAGS = frozenset({"figure", "aside", "iframe", "ins", "img", "picture", "hr", "br", "video", "audio",
                         "object", "embed", "noscript", "center"})
_MEDIA = XPath("descendant-or-self::*[self::img or self::picture or self::iframe or self::video or self::ins"
               " or self::object or self::embed or self::figure]")
# Not the rest of the article: a form or its controls, the page's headline, an article of its
# own, a frame's parts, headlines linked to other pages (a row of teasers), or a date and an
# author (a post, a comment or the next story: the article's byline stands before its text).
_NOT_PROSE = XPath(".//form|.//input|.//textarea|.//select|.//button|.//h1|.//article|.//nav|.//footer"
                   "|.//h2[.//a]|.//h3[.//a]|.//h4[.//a]|.//time|.//*[@rel='author' or @itemprop='author']")
_STORY_MARKS = XPath("descendant-or-self::h1|descendant-or-self::time"
                     "|descendant-or-self::*[@rel='author' or @itemprop='author']")
_NAMED = XPath("descendant-or-self::*[@class or @id]")
_HEADINGS = frozenset({"h2", "h3", "h4", "h5", "h6"})
_TEXT_BETWEEN = frozenset({"p", "ul", "ol", "blockquote", *_HEADINGS})
# Headings of the page's furniture rather than the article's sections.
_FURNITURE_HEADING = re.compile(
    r"\b(?:comments?|newsletters?|cookies?|related|recommended|sponsored|advertisement|subscribe|sign up"
    r"|about the author|more (?:news|stories|from)|read (?:more|next|also)|up next|trending|also read"
    r"|you (?:may|might) also|most (?:read|popular)|share this|don't miss)\b", re.I)
# Names of blocks that end an article: another story's head, comments, an author's box.
_ENDING_NAMES = re.compile(r"headline|(?:entry|post|story|article)[-_]?(?:header|title|meta)|(?:^|[\s_-])dek(?:$|[\s_-])"
                           r"|kicker|comment|byline|dateline|author|read-?next|up-?next|trending", re.I)
# A link to an author's page (a byline written without a class).
_AUTHOR_LINK = XPath("descendant-or-self::a[contains(@href, '/author/') or contains(@href, '/authors/')"
                     " or contains(@href, '/autor/') or contains(@href, '/autoren/')]")
# A heading linking elsewhere: another story's headline.
_LINKED_HEADING = XPath("descendant-or-self::*[self::h2 or self::h3 or self::h4][.//a[@href]"
                        "[not(starts-with(normalize-space(@href), '#'))]]")
# A byline or a date line: the next story's head, a post's or a comment's.
_BYLINE_NAMES = re.compile(r"byline|dateline|timestamp|(?:^|[\s_-])(?:date|posted|published)(?:$|[\s_-])", re.I)
# Boxes set between two parts whatever their size: ads, promotions, related stories, a sidebar.
_BREAK_NAMES = re.compile(r"(?:^|[\s_-])(?:ad|ads|advert\w*|promo\w*|sponsor\w*|newsletter|subscri\w*|related"
                          r"|recommend\w*|share|social|sidebar|teaser\w*|rail)(?:$|[\s_-])", re.I)
# Paragraphs first: far fewer nodes than the whole page's text, and where most text stands
# (the first text node, whitespace normalized: a CMS may wrap its source lines anywhere, or
# write no-break spaces, which the text's openings read as spaces).
_P_WITH = XPath("//body//p[contains(normalize-space(translate(text(), '\u00a0', ' ')), $needle)]")
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
# The extractor's blocks (its own tag names) whose openings say what the text holds.
_OUTPUT_BLOCKS = frozenset({"p", "head", "item", "quote", "cell", "code"})


def _names(element: _Element) -> str:
    return f"{element.get('class') or ''} {element.get('id') or ''}"


_OUTER_LINKS = XPath(".//a[not(ancestor::a)]|self::a")


def _linked(element: _Element) -> int:
    """The length of the element's text inside links (each counted once, nested or not)."""
    return sum(len(block_text(link)) for link in _OUTER_LINKS(element))


def _source(tree, paragraph: _Element) -> _Element | None:
    """The page's block an output paragraph came from, found by the paragraph's opening words
    (its text before any inline element); None when not found or not one place."""
    opening = " ".join((paragraph.text or "").split())[:_NEEDLE]
    if len(opening) < _NEEDLE:
        return None
    found = _P_WITH(tree, needle=opening)[:2]
    if not found:
        nodes = _TEXT_WITH(tree, needle=opening)[:2]
        found = [n.getparent().getparent() if n.is_tail else n.getparent() for n in nodes]
    if len(found) != 1:
        return None
    element = found[0]
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


def _marks_a_story(element: _Element) -> bool:
    """A headline, a date, an author or a byline, a comment: the head of another story, a post
    or a comment (by tag, by the names of its blocks, by a headline linking elsewhere or a link
    to an author's page)."""
    if element.tag in ("header", "hgroup") or _STORY_MARKS(element) or _LINKED_HEADING(element):
        return True
    return bool(_AUTHOR_LINK(element)) or any(_ENDING_NAMES.search(_names(e)) for e in _NAMED(element))


def _between(element: _Element) -> str | None:
    """What a sibling standing between two parts is: "empty" (a placeholder without text or
    media, not counted), "text" (the article's own: a subheading, a paragraph, a list, kept in
    its place), "break" (an ad, a figure, an aside, a box of links or a small box), or None: it
    ends the article (a section of another kind, the next story's head, a furniture heading)."""
    if element.tag in _BREAK_TAGS or _BREAK_NAMES.search(_names(element)):
        return "break"  # an ad or a sidebar may list dates and authors of other stories
    if _marks_a_story(element):
        return None
    text = text_within(element, 20 * BREAK_MAX_CHARS)
    if text is None:
        return None
    if not text:
        return "break" if _MEDIA(element) else "empty"
    if element.tag in _HEADINGS and _FURNITURE_HEADING.search(text):
        return None
    linked = _linked(element)
    if element.tag in _TEXT_BETWEEN and not _named_furniture(element) and linked < BREAK_LINKED_SHARE * len(text) and (
            element.tag in _HEADINGS or len(text) >= PARAGRAPH_MIN):
        if call_line(text) or credit_line(text):  # a call to the reader, a credit: not the article's
            return "break"
        return "text" if len(text) <= BREAK_MAX_CHARS else None
    return "break" if len(text) <= BREAK_MAX_CHARS or linked >= BREAK_LINKED_SHARE * len(text) else None


def _named_furniture(element: _Element) -> bool:
    names = _names(element)
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


_LEAF_DIV = XPath("self::div[not(.//p or .//div)]")


def _paragraphs(part: _Element) -> Iterator[_Element]:
    """The part's paragraphs: its <p>s, and the <div>s holding text and no other block (some
    templates write each paragraph as a <div>; a part of text alone is one)."""
    return (e for e in part.iter("p", "div") if e.tag == "p" or _LEAF_DIV(e))


def _prose(part: _Element, known: set[str], minimum: int) -> list[str] | None:
    """The openings of the part's paragraphs when it reads as the article's prose: at least
    ``minimum`` paragraphs of sentences the text does not hold yet, few links, nothing of a
    page's frame or of another story; None when it does not."""
    text = block_text(part)
    if not text or _NOT_PROSE(part) or _linked(part) > PART_LINKED_SHARE * len(text):
        return None
    if _AUTHOR_LINK(part) or any(_BYLINE_NAMES.search(_names(e)) or _ENDING_NAMES.search(_names(e))
                                 for e in _NAMED(part) if e is not part):
        return None
    if any(_FURNITURE_HEADING.search(block_text(h)) for h in part.iter(*_HEADINGS)):
        return None
    if _furniture_share(part) * 2 >= len(text):
        return None
    openings = [p[:_OPENING] for p in (block_text(p) for p in _paragraphs(part)) if len(p) >= PARAGRAPH_MIN]
    if len(openings) < minimum or any(o in known for o in openings):
        return None
    return openings


def _parts_after(container: _Element, seen: set[str]) -> list[_Element]:
    """The parts of the article after the container, with the text standing between them.
    ``seen``: the openings of the text's blocks, to which those of each part taken are added."""
    parts: list[_Element] = []
    between: list[tuple[_Element, str]] = []
    for sibling in itertools.islice(container.itersiblings(), MAX_SIBLINGS):
        if not isinstance(sibling.tag, str) or _bare(sibling):
            continue
        if _alike(sibling, container) and not (text_within(sibling, 0) == "" and _MEDIA(sibling)):
            openings = _prose(sibling, seen, FIRST_PART_PARAGRAPHS if not parts else 1)
            if openings is None:
                break
            seen.update(openings)  # a part shown twice is added once
            shown = set(openings)  # a pull quote before the paragraph it repeats: the paragraph only
            parts.extend(e for e, kind in between if kind == "text" and block_text(e)[:_OPENING] not in shown)
            parts.append(sibling)
            between = []
            if len(parts) >= MAX_PARTS:
                break
            continue
        kind = _between(sibling)
        if kind == "empty":
            continue
        if kind is None or len(between) >= MAX_BETWEEN:
            break
        between.append((sibling, kind))
    return parts


def _alike_after(container: _Element) -> bool:
    """Whether a sibling like the container follows it within the elements allowed between
    (a look at tags and classes only: most pages have none, and then nothing more is read)."""
    seen = 0
    for sibling in itertools.islice(container.itersiblings(), MAX_SIBLINGS):
        if not isinstance(sibling.tag, str) or _bare(sibling):
            continue
        if _alike(sibling, container):
            return True
        seen += 1
        if seen > MAX_BETWEEN:
            return False
    return False


def _bare(element: _Element) -> bool:
    """An element with nothing inside, a placeholder: not counted between parts."""
    return len(element) == 0 and not (element.text or "").strip() and element.tag not in _BREAK_TAGS


def _of_prose(paragraphs: Iterable[_Element]) -> Iterator[_Element]:
    return (p for p in paragraphs if len(block_text(p)) >= PARAGRAPH_MIN)


def _sources(tree, paragraphs: list[_Element]) -> _Element | None:
    """The page's block the first of ``paragraphs`` whose place is known came from."""
    return next((s for s in (_source(tree, p) for p in paragraphs) if s is not None), None)


def _openings(body: _Element) -> set[str]:
    """The openings of the text's blocks of prose."""
    return {text[:_OPENING] for text in (block_text(b) for b in body.iter(*_OUTPUT_BLOCKS))
            if len(text) >= PARAGRAPH_MIN}


def _container_parts(tree, body: _Element) -> tuple[_Element, list[_Element], set[str]] | None:
    """The container the text came from, the parts of the article after it, and the openings
    of the text's blocks."""
    paragraphs = list(body.iter("p"))
    ending = list(itertools.islice(_of_prose(reversed(paragraphs)), _TRIES))
    if len(ending) < 2:
        return None
    last = _sources(tree, ending)
    if last is None:
        return None
    first = size = None
    for level, element in enumerate(last.iterancestors()):
        if level >= MAX_LEVELS or element.tag in _OUTERMOST:
            return None
        if element.tag not in _CONTAINERS or not _alike_after(element):
            continue
        if size is None:  # read only on a page with a sibling like a container of the text
            size, first = len(block_text(body)), _sources(tree, list(itertools.islice(_of_prose(paragraphs), _TRIES)))
        if first is None:
            return None
        if first is not element and element not in first.iterancestors():
            continue
        if text_within(element, int(CONTAINER_SLACK * size) + CONTAINER_MARGIN) is None:
            return None  # past the article's container: the page around it
        known = _openings(body)
        parts = _parts_after(element, set(known))
        if parts:
            return element, parts, known
    return None


def add_continuation(body: _Element, tree, extract: Callable[[_Element], _Element | None],
                     close: Callable[[_Element], None] = lambda body: None) -> int:
    """Append the parts of the article that follow the container the text came from; returns
    how many blocks were added. ``extract`` runs the extractor on a page and returns its body;
    ``close`` is what the caller does at the end of a text (calls to the reader, credits), done
    to the first part's end before the rest follows it."""
    found = _container_parts(tree, body)
    if found is None:
        return 0
    container, parts, known = found
    merged = lxml.html.Element(container.tag, dict(container.attrib))
    for part in parts:
        if not _alike(part, container):  # text standing between two parts
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
    if more is None:
        return 0
    close(body)
    added = 0
    for block in list(more):
        text = block_text(block)
        if not text or text[:_OPENING] in known:  # openings of blocks of prose only: a short heading stays
            continue
        if len(text) >= PARAGRAPH_MIN:
            known.add(text[:_OPENING])  # a pull quote between parts repeating a paragraph: once
        block.tail = None
        body.append(block)
        added += 1
    return added

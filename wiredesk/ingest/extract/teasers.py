"""Links to other articles left inside the main text: "Read also: <headline>" lines,
headlines linked at the end of the text, page controls ("Back to top", "Join the discussion":
short blocks whose links only work on their own page, to "#..." or a script), and headings
left with nothing of the article after them.

Applied to trafilatura's output tree (``p``, ``head``, ``list``/``item``, ``ref`` for links).
The signals are the shape of a block and where its link goes, not its words, so they hold in
any language: a paragraph or heading made of a short lead-in label ending like one ("Lea
también:", "LE PUEDE INTERESAR:", "Read more:", "Auch interessant:") and one link to another
page of the same site (not its front page, not a file); headlines linked to other articles of
the same site at the end of the text, with no paragraph of the article after them; and headings
that close the text. A credit or a source ("Source: <link to another site>") stays here
(credits.py judges credit lines).

Measured on the extraction-dev pages, one rule at a time (docs/benchmarks.md, "Extraction
alone"): the teaser line took out 15 of the boilerplate snippets kept before and none of the
text; the headlines at the end 12 more, again with no text lost (a headline link anywhere in
the text took one more and lost a paragraph of text). Tried and left out, each losing as much
text as boilerplate it removed: lists whose items are all links (the pages' own
recommendation and press lists are text there), and a short label line ending the text ("The
paper is here:", whose link the extractor had already dropped).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from lxml.etree import XPath, _Element

from wiredesk.ingest.extract.blocks import block_text, remove_block

LABEL_WORDS = 5
LABEL_CHARS = 48
LINKED_SHARE = 0.6  # of a teaser line's text inside its link
MIN_LINK_CHARS = 15  # a headline, not "here" or "more"
LEAD_IN_ENDS = (":", "»", "|", "–", ">")
# Not an article: a file behind the link.
_FILES = (".pdf", ".doc", ".docx", ".xls", ".xlsx", ".ppt", ".pptx", ".zip", ".jpg", ".jpeg", ".png", ".gif",
          ".mp3", ".mp4")
_PAGE_URLS = XPath("//link[@rel='canonical']/@href|//meta[@property='og:url']/@content")


def page_hosts(tree, url: str) -> frozenset[str]:
    """The hosts the page calls its own: its address's, and those of its canonical and og:url."""
    hosts = {urlsplit(url).hostname or ""}
    for value in _PAGE_URLS(tree)[:4]:
        try:
            hosts.add(urlsplit(str(value).strip()).hostname or "")
        except ValueError:  # a malformed address names no host
            continue
    return frozenset(_bare(h) for h in hosts if h)


def _bare(host: str) -> str:
    return host.lower().removeprefix("www.")


def _to_an_article_here(target: str, hosts: frozenset[str]) -> bool:
    """A link to another page of the same site that is not its front page or a file."""
    try:
        parts = urlsplit(target.strip())
    except ValueError:
        return False
    if parts.scheme not in ("", "http", "https") or (parts.hostname and _bare(parts.hostname) not in hosts):
        return False
    path = parts.path.rstrip("/")
    return bool(path) and not path.lower().endswith(_FILES)


def _linked(element: _Element) -> str:
    return " ".join(" ".join("".join(ref.itertext()) for ref in element.iter("ref")).split())


def _teaser_line(element: _Element, hosts: frozenset[str]) -> bool:
    """A short lead-in label, then one link to another article of the same site, making up
    the whole block."""
    refs = list(element.iter("ref"))
    if len(refs) != 1 or not _to_an_article_here(refs[0].get("target") or "", hosts):
        return False
    text, linked = block_text(element), _linked(element)
    if len(linked) < MIN_LINK_CHARS or len(linked) < LINKED_SHARE * len(text):
        return False
    # The label is what comes before the link (a full stop after it does not count).
    at = text.find(linked)
    if at < 0:
        return False
    label, after = " ".join(text[:at].split()), text[at + len(linked):].strip()
    return (0 < len(label) <= LABEL_CHARS and len(label.split()) <= LABEL_WORDS
            and label.endswith(LEAD_IN_ENDS) and len(after) <= 3)


def _headline_link(element: _Element, hosts: frozenset[str]) -> bool:
    """A paragraph or heading that is nothing but links to other articles of the same site,
    each worded like a headline (three words or more): one headline, or several run together."""
    if element.tag not in ("p", "head"):
        return False
    refs = list(element.iter("ref"))
    if not refs or not all(_to_an_article_here(ref.get("target") or "", hosts) for ref in refs):
        return False
    headlines = [block_text(ref) for ref in refs]
    if any(len(words) < 20 or len(words.split()) < 3 for words in headlines):
        return False
    return len(" ".join(headlines)) >= 0.9 * len(block_text(element))


# Shorter than any paragraph of the article, even a wire's one-sentence ones: what may follow
# a headline link at the end (a date, "Updated", "More on this"). 60 took as much on the dev
# pages as 200, which would also have counted short paragraphs of an article as the end.
TAIL_SHORT = 60


def drop_tail_links(body: _Element, hosts: frozenset[str]) -> int:
    """Remove headline links at the end of the text: those followed only by other headline
    links, headings and short lines ("More on this", a date). One in the middle, with the
    article going on after it, stays: it may be a sentence of the article made a link; so
    do links with nothing of the article before them (they are all the text there is)."""
    kids = [e for e in body if isinstance(e.tag, str)]  # not a comment or a processing instruction
    # One pass from the end, judging only the blocks of the tail (links, headings, short lines).
    links: list[_Element] = []
    start = len(kids)
    while start > 0:
        block = kids[start - 1]
        if _headline_link(block, hosts):
            links.append(block)
        elif block.tag != "head" and len(block_text(block)) >= TAIL_SHORT:
            break
        start -= 1
    # Article text before them (the block before the tail is one: long, not a link or a
    # heading), or they are all the text there is and stay.
    if start == 0:
        return 0
    for block in links:
        remove_block(block)
    return len(links)


CONTROL_CHARS = 80


def _goes_nowhere(target: str | None) -> bool:
    """A link that only works on its own page: to a place in it ("#top", "#comments"), to a
    script, or to nothing. A link with no target at all is an anchor (``<a name>``), not a
    control: a heading or a sentence may carry one."""
    if target is None:
        return False
    target = target.strip()
    return not target or target.startswith("#") or target.lower().startswith("javascript:")


def _control(element: _Element) -> bool:
    """A short block that is nothing but links going nowhere off the page: "Back to top",
    "Join the discussion", "Show comments". Rendered, its links would be plain text."""
    if element.tag != "p":  # a heading linked to itself ("#cost") is the article's subheading
        return False
    refs = list(element.iter("ref"))
    if not refs or not all(_goes_nowhere(ref.get("target")) for ref in refs):
        return False
    text = block_text(element)
    return 0 < len(text) <= CONTROL_CHARS and len(_linked(element)) >= LINKED_SHARE * len(text)


def drop_teasers(body: _Element, hosts: frozenset[str] = frozenset()) -> int:
    """Remove teaser lines and page controls, then headline links and headings left at the
    end of the text; returns how many blocks went. List items are left alone: a list of links
    with dates or sources in front is often the article's own (press coverage, documents)."""
    gone = 0
    for element in list(body.iter("p", "head")):
        if _teaser_line(element, hosts) or _control(element):
            remove_block(element)
            gone += 1
    gone += drop_tail_links(body, hosts)
    # Headings closing the text, while text of the article is left before them.
    while len(body) > 1 and body[-1].tag == "head" and not (body[-1].tail or "").strip() \
            and any(e.tag != "head" for e in body[:-1]):
        remove_block(body[-1])
        gone += 1
    return gone


"""Three ways wiredesk's calls into trafilatura do less work, each with the same output.

1. **The parse.** lxml.html gives every element it hands to Python a class chosen by a lookup
   written in Python (forms, inputs and labels get classes of their own). trafilatura walks
   and copies the tree many times per page, so that lookup ran about 3,500 times per page.
   Our parser gives every element the plain ``HtmlElement`` class through lxml's C-level
   lookup; trafilatura uses nothing the special classes add. Copies of a tree keep its
   parser, so every copy trafilatura makes is cheaper too. 3 % less extraction time on the
   extraction-dev pages, output unchanged on all 990. Before parsing, trafilatura's loader
   removes characters libxml2 refuses with a regular expression over the whole page; asking
   for each of them first, and repairing only a page that has one, saves another 1.5 %.

2. **The readability comparison.** After its own extractor, trafilatura runs a port of
   readability over the whole page and takes readability's text only if it is much longer
   than its own (more than twice), or if its own is empty or has no paragraphs (or more
   tables than paragraphs). When its own text is already at least half of every word the
   page holds, readability's cannot be twice as long, so with paragraphs present the
   comparison cannot change the result and is skipped. The bound counts each text node's
   words and the spaces between them, which no re-joining of a subset of those nodes can
   exceed, plus the placeholder readability writes into a video frame. justext's check
   (taken when the text is short or holds elements it should not) still runs as before:
   the skip applies only when it would not. Nor is it taken on a page with an element whose
   content a parser reads as raw text (``xmp``, ``noembed``, ``noframes``, ``plaintext``):
   readability's result is written out and parsed again, and there an "&" comes back as
   "&amp;", so its text can outgrow the bound. About 2.7 % less extraction time on the
   development pages (the comparison skipped on about 40 % of them), output unchanged.

The comparison is reached through trafilatura's own module, so (2) replaces
``trafilatura.core.compare_extraction`` with a function that takes the shortcut only inside
``own_text_first()`` (a context variable: other threads, and anyone else in the process calling
trafilatura, get trafilatura unchanged) and otherwise calls the original. It installs itself
only if that function is what this module was written against; otherwise extraction simply
goes without (a test says so loudly, so an upgrade cannot silently lose it).
"""

from __future__ import annotations

import contextlib
import inspect
from contextvars import ContextVar
from typing import Iterator

import lxml.html
import trafilatura
import trafilatura.core
import trafilatura.external
from lxml import etree
from lxml.etree import XPath
from trafilatura.utils import DOCTYPE_TAG, FAULTY_HTML, repair_faulty_html

# What trafilatura's parser is told (ids not collected, no default doctype, comments and
# processing instructions dropped), with the C-level class lookup.
_PARSER = lxml.html.HTMLParser(collect_ids=False, default_doctype=False, encoding="utf-8", remove_comments=True,
                               remove_pis=True)
_PARSER.set_element_class_lookup(etree.ElementDefaultClassLookup(
    element=lxml.html.HtmlElement, comment=lxml.html.HtmlComment, pi=lxml.html.HtmlProcessingInstruction,
    entity=lxml.html.HtmlEntity,
))


# Characters libxml2 refuses, which trafilatura's loader removes with a regular expression over
# the whole page. Almost no page has any, and asking for each (a memchr-like scan) is a third
# of the expression's time.
_NOT_IN_XML = tuple(chr(c) for c in (*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0xFFFE, 0xFFFF))


def _repaired(text: str) -> str:
    """The page as trafilatura's loader repairs it for libxml2 before parsing (its own patterns)."""
    beginning = text[:50].lower()
    if any(c in text for c in _NOT_IN_XML):
        return repair_faulty_html(text, beginning)
    if "doctype" in beginning:  # libxml2 trips over a doctype holding a slash on the first line
        first, _, rest = text.partition("\n")
        text = DOCTYPE_TAG.sub("", first, count=1) + "\n" + rest
    for line in text[:4096].splitlines()[:4]:  # an <html .../> closed on itself near the top
        if "<html" in line and line.endswith("/>"):
            return FAULTY_HTML.sub(r"\1>", text, count=1)
    return text


def load_tree(text: str) -> lxml.html.HtmlElement | None:
    """Parse a decoded page as ``trafilatura.load_html`` does, on the faster parser.

    A document that parses to fewer than two top-level elements (no <head> and <body>, not
    really HTML, or a parser error) is left to trafilatura's own loader, which has its retries
    and its rejection rule for such input: the answer is then exactly trafilatura's.
    """
    try:
        tree = lxml.html.fromstring(_repaired(text), parser=_PARSER)
    except (ValueError, etree.ParserError):
        tree = None
    if tree is None or len(tree) < 2:
        return trafilatura.load_html(text)
    return tree


# --- the readability comparison -----------------------------------------------------------

_OWN_TEXT_FIRST: ContextVar[bool] = ContextVar("wiredesk_own_text_first", default=False)
_ORIGINAL = trafilatura.external.compare_extraction
_EXPECTED_PARAMETERS = ("cleaned_tree", "raw_tree", "body", "text", "options")
# readability writes this into the frame of an embedded video so that the frame survives.
_VIDEO_PLACEHOLDER = len("VIDEO") + 1


def text_bound(tree) -> int:
    """Most characters any trafilatura-trimmed text of a subset of ``tree``'s nodes can have.

    trim() keeps every non-space character and one space between words; joining nodes can
    only merge words, never add any. So each node's characters plus one per word is a bound.
    """
    total = 0
    for piece in tree.itertext():
        words = piece.split()
        if words:
            total += sum(map(len, words)) + len(words)
    return total + _VIDEO_PLACEHOLDER * sum(1 for _ in tree.iter("iframe"))


# Elements whose content an HTML parser reads as raw text: readability writes its result out
# and trafilatura parses it again, so in these an "&" comes back as "&amp;" and the text grows.
_RAW_TEXT = XPath("boolean(//xmp|//noembed|//noframes|//plaintext)")


def _comparison_is_moot(raw_tree, body, text: str, options) -> bool:
    """True when trafilatura's comparison would return ``body`` and ``text`` unchanged."""
    own = len(text)
    return (
        options.focus != "recall"
        and own >= options.min_extracted_size  # else justext is tried
        and not body.xpath(trafilatura.external.SANITIZED_XPATH)  # else justext is tried
        and bool(body.xpath(".//p//text()"))
        and len(body.findall(".//table")) <= len(body.findall(".//p"))
        and not _RAW_TEXT(raw_tree)  # the bound holds only without them
        and 2 * own >= text_bound(raw_tree)  # readability's text cannot be more than twice ours
    )


def _compare_extraction(cleaned_tree, raw_tree, body, text, options):
    if _OWN_TEXT_FIRST.get() and _comparison_is_moot(raw_tree, body, text, options):
        return body, text
    return _ORIGINAL(cleaned_tree, raw_tree, body, text, options)


def _installable() -> bool:
    try:
        parameters = tuple(inspect.signature(_ORIGINAL).parameters)
    except (TypeError, ValueError):
        return False
    return (
        trafilatura.core.compare_extraction is _ORIGINAL
        and parameters == _EXPECTED_PARAMETERS
        and hasattr(trafilatura.external, "SANITIZED_XPATH")
        and hasattr(trafilatura.external, "_prefer_readability")  # the rule the shortcut mirrors
    )


INSTALLED = _installable()
if INSTALLED:
    trafilatura.core.compare_extraction = _compare_extraction


@contextlib.contextmanager
def own_text_first() -> Iterator[None]:
    """Within this block, trafilatura skips a readability comparison that cannot matter."""
    token = _OWN_TEXT_FIRST.set(True)
    try:
        yield
    finally:
        _OWN_TEXT_FIRST.reset(token)

"""What a reader never sees is not article text: hidden blocks go before extraction.

Pages carry hidden copies of what they show (schema.org blocks repeating the headline, the
dates, the logo's address, sometimes the whole article again), hidden menus, modals and
pop-ups, and screen-reader-only duplicates. trafilatura's main extractor discards most of
them, but its fallbacks (readability, justext, the whole-page baseline) do not, and a page
where a fallback wins brought them into the text. Dropped once, here, before any pass (and
before trafilatura copies the tree), no pass sees them.

Hidden means what a browser does not draw: the ``hidden`` attribute, an inline
``display: none``, a ``<dialog>`` that is not open, or a block taken off the accessibility
tree with ``aria-hidden="true"``. Pictures in them are not placed either. Kept on purpose:
- ``hidden="until-found"``: collapsed sections a reader opens (and the browser's find reaches);
- inline elements under ``aria-hidden``: drop caps and decorative letters hold part of a word;
- ``visibility: hidden``: a child can make itself visible again, and scripts reveal whole
  articles that way;
- a hidden block with most of the page's text: what the page is about, shown by a script
  once it has loaded, or wrapped while a modal is open;
- hidden siblings that together hold most of the page's text: an article in pages shown one
  at a time (a slideshow, tabs).

The page's metadata (JSON-LD, itemprop metas) is read before this runs: it often sits in a
hidden block.
"""

from __future__ import annotations

from lxml.etree import XPath

# The attributes that can hide an element, and dialogs, under the body: cheap XPaths (a
# predicate testing every element's style in libxml2 cost four times as much), then the values
# are read here. Four expressions, not one union: libxml2 merges a union's node sets in
# quadratic time (19 s for 200,000 attributes).
_CANDIDATES = tuple(XPath(x) for x in (".//@style", ".//@hidden", ".//@aria-hidden", ".//dialog"))
_BLOCKS = frozenset({"div", "section", "aside", "nav", "ul", "ol", "dl", "table", "form", "header", "footer", "figure"})
# A hidden block holding more than this share of the page's text is what the page is about:
# shown by a script once loaded (or a wrapper hidden while a modal is open), so it stays.
_MOST = 0.5
# No real page hides more blocks than this; a hostile one is not walked further.
_MAX_BLOCKS = 5000


def _hidden_by(found) -> object | None:
    """The element a found attribute (or dialog) hides, if it hides one."""
    if not isinstance(found, str):  # a <dialog>: hidden unless open
        return found if found.get("open") is None else None
    element, name = found.getparent(), found.attrname
    if name == "style":
        declarations = "".join(found.lower().split())
        # the display property itself, not a custom property such as --mobile-display
        hides = declarations.startswith("display:none") or ";display:none" in declarations
    elif name == "hidden":
        hides = found.strip().lower() != "until-found"
    else:  # aria-hidden: blocks only, never a drop cap's letter
        hides = found.strip().lower() == "true" and element.tag in _BLOCKS
    return element if hides else None


def drop_hidden(tree) -> int:
    """Remove hidden blocks from a parsed page; return how many went."""
    body = tree.find(".//body")
    if body is None:
        return 0
    found = [e for candidates in _CANDIDATES for e in map(_hidden_by, candidates(body)) if e is not None]
    hidden = found[:_MAX_BLOCKS]
    if not hidden:
        return 0
    page_text = len(body.text_content())
    dropped: set = set()
    sizes = {element: len(element.text_content()) for element in hidden}
    # An article split into pages shown one at a time (a slideshow, tabs): hidden siblings
    # alike (one tag, one class), each a small share of the text and together most of it.
    # They are kept, all of them. A block that is most of the page on its own is kept by the
    # rule below, and does not take its hidden neighbours (a modal, a menu) with it.
    by_kind: dict = {}
    for element in hidden:
        if sizes[element] <= _MOST * page_text:
            by_kind.setdefault((element.getparent(), element.tag, element.get("class")), set()).add(element)
    kept: set = set()
    for siblings in by_kind.values():
        if len(siblings) > 1 and sum(sizes[e] for e in siblings) > _MOST * page_text:
            kept |= siblings
    # At most _MAX_BLOCKS blocks, each with a walk up its ancestors (libxml2 nests no deeper
    # than 256): bounded however hostile the page. In any order: a block dropped before the
    # block around it goes with it all the same.
    for element in hidden:
        if element.getparent() is None or element in dropped or element in kept:
            continue  # dropped already (an element hidden two ways is found twice), or a page of the article
        if dropped and any(a in dropped for a in element.iterancestors()):
            continue  # inside a block already dropped
        if sizes[element] > _MOST * page_text:
            continue
        element.drop_tree()  # keeps the text after the element, which is shown
        dropped.add(element)
    return len(dropped)

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
  once it has loaded, or wrapped while a modal is open.

The page's metadata (JSON-LD, itemprop metas) is read before this runs: it often sits in a
hidden block.
"""

from __future__ import annotations

from lxml.etree import XPath

_STYLE = "translate(@style, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ \t\n\r', 'abcdefghijklmnopqrstuvwxyz')"  # spaces go
_IS_HIDDEN = (
    "(@hidden and translate(@hidden, 'UNTILFOD', 'untilfod') != 'until-found')"
    # the display property itself, not a custom property such as --mobile-display
    f" or starts-with({_STYLE}, 'display:none') or contains({_STYLE}, ';display:none')"
    " or self::dialog[not(@open)]"
    " or (translate(@aria-hidden, 'TRUE', 'true') = 'true' and (self::div or self::section or self::aside"
    " or self::nav or self::ul or self::ol or self::dl or self::table or self::form or self::header or self::footer"
    " or self::figure))"
)
# Every hidden element, in document order. Not "outermost only" in XPath: an ancestor test per
# match is quadratic on a hostile page, and libxml2's time is beyond a task's time limit.
_HIDDEN = XPath(f"//body//*[{_IS_HIDDEN}]")
# A hidden block holding more than this share of the page's text is what the page is about:
# shown by a script once loaded (or a wrapper hidden while a modal is open), so it stays.
_MOST = 0.5
# No real page hides more blocks than this; a hostile one is not walked further.
_MAX_BLOCKS = 5000


def drop_hidden(tree) -> int:
    """Remove hidden blocks from a parsed page; return how many went."""
    found = _HIDDEN(tree)
    if not found:
        return 0
    root = tree.getroottree().getroot()
    body = tree.find(".//body")
    page_text = len(body.text_content()) if body is not None else 0
    dropped = 0
    for element in found[:_MAX_BLOCKS]:
        if element.getroottree().getroot() is not root:
            continue  # inside a block already dropped
        if len(element.text_content()) > _MOST * page_text:
            continue
        element.drop_tree()  # keeps the text after the element, which is shown
        dropped += 1
    return dropped

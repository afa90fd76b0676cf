"""What a reader never sees is not article text: hidden blocks go before extraction.

Pages carry hidden copies of what they show (schema.org blocks repeating the headline, the
dates, the logo's address, sometimes the whole article again), hidden menus, modals and
pop-ups, and screen-reader-only duplicates. trafilatura's main extractor discards most of
them, but its fallbacks (readability, justext, the whole-page baseline) do not, and a page
where a fallback wins brought them into the text. Dropped once, here, before any pass (and
before trafilatura copies the tree), no pass sees them.

Hidden means what a browser does not draw: the ``hidden`` attribute, an inline
``display: none`` or ``visibility: hidden``, a ``<dialog>`` that is not open, or a block taken
off the accessibility tree with ``aria-hidden="true"``. Kept on purpose:
- ``hidden="until-found"``: collapsed sections a reader opens (and the browser's find reaches);
- inline elements under ``aria-hidden``: drop caps and decorative letters hold part of a word.

The page's metadata (JSON-LD, itemprop metas) is read before this runs: it often sits in a
hidden block.
"""

from __future__ import annotations

from lxml.etree import XPath

_STYLE = "translate(@style, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ \t\n\r', 'abcdefghijklmnopqrstuvwxyz')"  # spaces go
_IS_HIDDEN = (
    "(@hidden and translate(@hidden, 'UNTILFOD', 'untilfod') != 'until-found')"
    f" or contains({_STYLE}, 'display:none') or contains({_STYLE}, 'visibility:hidden')"
    " or self::dialog[not(@open)]"
    " or (@aria-hidden='true' and (self::div or self::section or self::aside or self::nav or self::ul"
    " or self::ol or self::dl or self::table or self::form or self::header or self::footer or self::figure))"
)
# Outermost hidden blocks only (a hidden block inside another goes with it).
_HIDDEN = XPath(f"//body//*[{_IS_HIDDEN}][not(ancestor::*[{_IS_HIDDEN}])]")


def drop_hidden(tree) -> int:
    """Remove hidden blocks from a parsed page; return how many went."""
    found = _HIDDEN(tree)
    for element in found:
        element.drop_tree()  # keeps the text after the element, which is shown
    return len(found)

"""Small helpers over trafilatura's output tree shared by the rules that take blocks out of
the main text or add to it (credits.py, teasers.py, calls.py, lead.py, continued.py)."""

from __future__ import annotations

import re

from lxml.etree import _Element

# Characters XML cannot hold (lxml refuses them in XPath variables and text).
NOT_XML = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def block_text(element: _Element) -> str:
    """The element's text, every run of whitespace one space."""
    return " ".join("".join(element.itertext()).split())


def text_within(element: _Element, limit: int) -> str | None:
    """The element's text, whitespace collapsed; None once it is longer than ``limit`` (read no
    further: a walk up from many places must not read the whole page each time)."""
    parts, size = [], 0
    for piece in element.itertext():
        parts.append(piece)
        size += len(piece)
        if size > 2 * limit + 1000:  # whitespace may shrink it: a margin before collapsing
            break
    text = " ".join("".join(parts).split())
    return None if len(text) > limit else text


def remove_block(element: _Element) -> None:
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

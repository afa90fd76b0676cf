"""Small helpers over trafilatura's output tree shared by the rules that take blocks out of
the main text (credits.py, teasers.py, calls.py)."""

from __future__ import annotations

from lxml.etree import _Element


def block_text(element: _Element) -> str:
    """The element's text, every run of whitespace one space."""
    return " ".join("".join(element.itertext()).split())


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

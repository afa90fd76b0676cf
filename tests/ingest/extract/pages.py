"""Article pages the extraction tests are built on."""

from __future__ import annotations


def article_page(title: str, paragraphs: list[str], *, start: str = "", middle: str = "", end: str = "") -> str:
    """An article page: ``title`` as its <title> and <h1>, then ``start``, the paragraphs with
    ``middle`` after the second, then ``end``, all inside <article>."""
    blocks = [f"<p>{line}</p>" for line in paragraphs]
    blocks.insert(2, middle)
    return (f"<!DOCTYPE html><html><head><title>{title}</title></head><body><article>"
            f"<h1>{title}</h1>{start}" + "".join(blocks) + end + "</article></body></html>")

"""trafilatura's extracted body (its small XML vocabulary) to simple HTML and plain text."""

from __future__ import annotations

import html as htmlmod
from urllib.parse import urljoin, urlsplit

from lxml.etree import _Element

from wiredesk.ingest.extract.figures import squash

_HI = {"#b": "b", "#i": "i", "#u": "u", "#t": "code", "#sup": "sup", "#sub": "sub"}
_SIMPLE = {"p": "p", "item": "li", "quote": "blockquote", "table": "table", "row": "tr", "del": "del"}
_TEXT_BLOCKS = {"p", "head", "list", "item", "quote", "table", "row", "div", "note", "ab", "figure"}


def _link(base: str, href: str | None) -> str:
    href = (href or "").strip()
    if not href or href.startswith("#"):
        return ""
    try:
        url = urljoin(base, href)
        scheme = urlsplit(url).scheme
    except ValueError:
        return ""
    return url if scheme in ("http", "https", "mailto") else ""


def _escape(text: str | None) -> str:
    return htmlmod.escape(text, quote=False) if text else ""


def _attr(text: str) -> str:
    return htmlmod.escape(text, quote=True)


# --- HTML ---------------------------------------------------------------------------------


def _figure(graphic: _Element, *, block: bool) -> str:
    img = f'<img src="{_attr(graphic.get("src", ""))}" alt="{_attr(squash(graphic.get("alt")))}">'
    if not block:
        return img
    caption, credit = graphic.get("caption", ""), graphic.get("credit", "")
    if not caption and not credit:
        return f"<figure>{img}</figure>"
    inner = _escape(caption) + (" " if caption and credit else "") + (f"<small>{_escape(credit)}</small>" if credit else "")
    return f"<figure>{img}<figcaption>{inner}</figcaption></figure>"


def _open_tag(element: _Element, *, top: bool, base: str) -> tuple[str, str]:
    tag = element.tag
    if tag in _SIMPLE:
        name = _SIMPLE[tag]
    elif tag == "head":
        level = (element.get("rend") or "h3")[-1:]
        name = f"h{level}" if level in "123456" and level else "h3"
    elif tag == "list":
        name = "ol" if element.get("rend") == "ol" else "ul"
    elif tag == "cell":
        name = "th" if element.get("role") == "head" else "td"
    elif tag == "hi":
        name = _HI.get(element.get("rend") or "", "")
    elif tag == "code":
        name = "pre" if top else "code"
    elif tag == "ref":
        href = _link(base, element.get("target"))
        return (f'<a href="{_attr(href)}">', "</a>") if href else ("", "")
    elif tag == "lb":
        return "<br>", ""
    else:
        name = ""  # unknown wrappers are unwrapped
    return (f"<{name}>", f"</{name}>") if name else ("", "")


def _html(element: _Element, out: list[str], *, top: bool, base: str) -> None:
    if element.tag == "graphic":
        out.append(_figure(element, block=top))
        return
    opening, closing = _open_tag(element, top=top, base=base)
    out.append(opening)
    out.append(_escape(element.text))
    for child in element:
        if isinstance(child.tag, str):
            _html(child, out, top=False, base=base)
        out.append(_escape(child.tail))
    out.append(closing)


def to_html(body: _Element, *, base: str) -> str:
    """Simple HTML: p, h1-h6, ul/ol/li, blockquote, table, a href, figure/img/figcaption.

    Links are made absolute against ``base``; links that are not http(s) or mailto lose
    their anchor and keep their text.
    """
    out: list[str] = []
    _loose_text(body.text, out)
    for child in body:
        if isinstance(child.tag, str):
            _html(child, out, top=True, base=base)
            out.append("\n")
        _loose_text(child.tail, out)
    return "".join(out).strip()


def _loose_text(text: str | None, out: list[str]) -> None:
    # trafilatura leaves some text between the body's blocks (after a heading, say), and
    # _drop_title_heading moves what followed the heading into body.text: a paragraph each.
    if text and text.strip():
        out.append(f"<p>{_escape(text.strip())}</p>\n")


# --- text ---------------------------------------------------------------------------------


def to_text(body: _Element) -> str:
    """Plain text, one line per paragraph, heading, list item or table row; no images."""
    lines: list[str] = []
    current: list[str] = []

    def flush() -> None:
        line = " ".join("".join(current).split())
        if line:
            lines.append(line)
        current.clear()

    def walk(element: _Element) -> None:
        tag = element.tag
        block = tag in _TEXT_BLOCKS
        if block or tag == "lb":
            flush()
        if tag == "cell" and element.getprevious() is not None:
            current.append(" | ")
        if tag != "graphic":
            current.append(element.text or "")
            for child in element:
                if isinstance(child.tag, str):
                    walk(child)
                current.append(child.tail or "")
        if block:
            flush()

    current.append(body.text or "")
    for child in body:
        if isinstance(child.tag, str):
            walk(child)
        current.append(child.tail or "")
    flush()
    return "\n".join(lines)

"""OPML 2.0 import and export of feed subscriptions (pure: bytes in, records out)."""

from __future__ import annotations

from dataclasses import dataclass
from xml.etree import ElementTree as ET

from lxml import etree

MAX_OPML_BYTES = 5 * 2**20


class OpmlError(ValueError):
    """The file is not an OPML document wiredesk can read."""


@dataclass(frozen=True)
class Outline:
    title: str
    feed_url: str
    home_url: str = ""
    category: str = ""


def parse_opml(data: bytes) -> list[Outline]:
    """Every outline with an xmlUrl, nested folders flattened into a category."""
    if len(data) > MAX_OPML_BYTES:
        raise OpmlError("the OPML file is larger than 5 MiB")
    if b"<!DOCTYPE" in data[:4096].upper() or b"<!ENTITY" in data.upper():
        raise OpmlError("OPML files with a DTD or entity declarations are refused")
    # Entities and DTDs are never resolved or fetched (no XXE, no billion laughs).
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    try:
        root = etree.fromstring(data, parser=parser)
    except etree.XMLSyntaxError as exc:
        raise OpmlError(f"not well-formed XML: {exc}") from exc
    if root.tag != "opml":
        raise OpmlError(f"the root element is <{root.tag}>, not <opml>")
    out: list[Outline] = []

    def walk(node, category: str) -> None:
        for child in node.findall("outline"):
            url = (child.get("xmlUrl") or "").strip()
            title = (child.get("title") or child.get("text") or "").strip()
            if url:
                out.append(Outline(title=title or url, feed_url=url, home_url=(child.get("htmlUrl") or "").strip(),
                                   category=category or (child.get("category") or "").strip().strip("/")))
            else:
                walk(child, title or category)

    body = root.find("body")
    if body is None:
        raise OpmlError("the OPML file has no <body>")
    walk(body, "")
    return out


def render_opml(outlines: list[Outline], *, title: str) -> bytes:
    """An OPML 2.0 document listing the outlines."""
    root = ET.Element("opml", version="2.0")
    head = ET.SubElement(root, "head")
    ET.SubElement(head, "title").text = title
    body = ET.SubElement(root, "body")
    for o in outlines:
        attrs = {"type": "rss", "text": o.title, "title": o.title, "xmlUrl": o.feed_url}
        if o.home_url:
            attrs["htmlUrl"] = o.home_url
        if o.category:
            attrs["category"] = o.category
        ET.SubElement(body, "outline", attrs)
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"

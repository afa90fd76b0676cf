"""text.chars over all of Unicode: what comes out is legal in XML 1.0 and HTML, and nothing else changes."""

from __future__ import annotations

import dataclasses
import io
import json
from xml.sax.saxutils import escape

import lxml.etree
from django.utils.xmlutils import SimplerXMLGenerator
from hypothesis import given, settings
from hypothesis import strategies as st

from wiredesk.ingest.types import Image, RawItem
from wiredesk.text.chars import has_disallowed, xml_safe, xml_safe_all

# Every code point, lone surrogates included (Hypothesis leaves out category Cs unless told).
EVERY_CHARACTER = st.characters(exclude_categories=())
EDGES = st.sampled_from([
    *map(chr, range(0x00, 0x20)), "\x7f", *map(chr, range(0x80, 0xA0)), "\ud800", "\udbff", "\udc00", "\udfff",
    "\ufdd0", "\ufdef", "\ufffe", "\uffff", "\U0001fffe", "\U0010ffff", "\ufffd", "\ufeff", "\u2028", "\ue000",
])
TEXT = st.lists(st.one_of(st.text(EVERY_CHARACTER, max_size=30), EDGES), max_size=30).map("".join)
STRICT = lxml.etree.XMLParser(recover=False, resolve_entities=False)


def refused(ch: str) -> bool:
    """The rule, written from the standards' own terms (not the module's pattern)."""
    c = ord(ch)
    xml_char = c in (0x9, 0xA, 0xD) or 0x20 <= c <= 0xD7FF or 0xE000 <= c <= 0xFFFD or 0x10000 <= c <= 0x10FFFF
    html_control = c == 0x7F or 0x80 <= c <= 0x9F  # HTML: control characters other than ASCII whitespace
    noncharacter = 0xFDD0 <= c <= 0xFDEF or (c & 0xFFFF) in (0xFFFE, 0xFFFF)
    return not xml_char or html_control or noncharacter


@settings(max_examples=500)
@given(TEXT)
def test_only_refused_characters_go_and_whitespace_ones_become_spaces(text):
    expected = "".join((" " if ch.isspace() else "") if refused(ch) else ch for ch in text)
    assert xml_safe(text) == expected
    assert has_disallowed(text) == any(map(refused, text))
    assert not has_disallowed(expected) and xml_safe(expected) == expected


@settings(max_examples=300)
@given(TEXT)
def test_the_result_is_written_and_read_back_by_strict_xml_json_and_utf8(text):
    clean = xml_safe(text)
    clean.encode("utf-8")  # no lone surrogate left
    document = f"<t>{escape(clean, {chr(13): '&#13;'})}</t>".encode()
    assert (lxml.etree.fromstring(document, STRICT).text or "") == clean
    out = io.StringIO()
    xml = SimplerXMLGenerator(out, "utf-8")
    xml.addQuickElement("t", clean)  # Django's feed writer, which raises on a control character
    assert json.loads(json.dumps(clean, ensure_ascii=False).encode("utf-8")) == clean


@settings(max_examples=150)
@given(title=TEXT, body=TEXT, author=TEXT, categories=st.lists(TEXT, max_size=3), caption=TEXT, guid=TEXT)
def test_every_string_of_a_record_is_cleaned_and_nothing_else_changes(title, body, author, categories, caption, guid):
    raw = RawItem(guid=guid, link=None, title=title, content_html=body, author=author, categories=tuple(categories),
                  images=(Image(url="https://img.example/a.png", caption=caption, credit=caption),))
    clean = xml_safe_all(raw)
    strings = []

    def collect(value):
        if isinstance(value, str):
            strings.append(value)
        elif dataclasses.is_dataclass(value):
            for f in dataclasses.fields(value):
                collect(getattr(value, f.name))
        elif isinstance(value, (tuple, list)):
            for v in value:
                collect(v)

    collect(clean)
    assert not any(has_disallowed(s) for s in strings)
    assert clean.title == xml_safe(title) and clean.guid == xml_safe(guid) and clean.link is None
    assert clean.categories == tuple(map(xml_safe, categories)) and isinstance(clean.categories, tuple)
    assert clean.images[0].caption == xml_safe(caption) and clean.images[0].url == "https://img.example/a.png"
    if not any(has_disallowed(s) for s in (title, body, author, guid, caption, *categories)):
        assert clean is raw  # a clean record comes back as it was

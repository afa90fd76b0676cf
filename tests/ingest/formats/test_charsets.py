"""The charset precedence of xmlsafety.decode_xml: BOM, HTTP charset, XML declaration, UTF-8."""

from __future__ import annotations

import codecs

import pytest

from wiredesk.ingest.formats import ParseError, parse_feed
from wiredesk.ingest.formats.xmlsafety import decode_xml, strip_prolog

TITLE = "Ærøskøbing \u201cnews\u201d"


def _doc(declared: str | None) -> str:
    decl = f'<?xml version="1.0" encoding="{declared}"?>' if declared else ""
    return decl + f'<rss version="2.0"><channel><title>{TITLE}</title></channel></rss>'


def test_bom_beats_http_and_declaration():
    data = codecs.BOM_UTF8 + _doc("iso-8859-1").encode("utf-8")
    decoded = decode_xml(data, charset="windows-1251")
    assert TITLE in decoded.text and decoded.encoding == "utf-8"


def test_utf16_bom():
    data = codecs.BOM_UTF16_BE + _doc("utf-16").encode("utf-16-be")
    assert TITLE in decode_xml(data, charset=None).text


def test_http_charset_beats_declaration():
    data = _doc("utf-8").encode("cp1252")  # the declaration lies, the server is right
    decoded = decode_xml(data, charset="windows-1252")
    assert TITLE in decoded.text and decoded.warnings == ()


def test_latin1_header_on_utf8_bytes_reads_utf8_with_a_warning():
    decoded = decode_xml(_doc("utf-8").encode("utf-8"), charset="ISO-8859-1")
    assert TITLE in decoded.text
    assert decoded.warnings and "UTF-8" in decoded.warnings[0]


def test_latin1_header_on_latin1_bytes_stays_latin1():
    decoded = decode_xml(_doc(None).encode("cp1252"), charset="iso-8859-1")
    assert TITLE in decoded.text  # iso-8859-1 is read as windows-1252 (WHATWG)


def test_declaration_used_without_header():
    assert TITLE in decode_xml(_doc("windows-1252").encode("cp1252"), charset=None).text


def test_no_labels_means_utf8():
    assert TITLE in decode_xml(_doc(None).encode("utf-8"), charset=None).text


def test_wrong_label_falls_through_with_a_warning():
    decoded = decode_xml(_doc("utf-8").encode("cp1252"), charset="utf-8")
    assert decoded.warnings  # neither label fits: last resort is windows-1252
    assert TITLE in decoded.text


def test_unknown_labels_are_ignored_with_a_warning():
    decoded = decode_xml(_doc("x-klingon").encode("utf-8"), charset="x-elvish")
    assert TITLE in decoded.text and len(decoded.warnings) == 2


def test_utf16_label_on_ascii_bytes_is_ignored():
    assert TITLE in decode_xml(_doc("utf-16").encode("utf-8"), charset=None).text


def test_utf16_without_bom_is_sniffed():
    assert TITLE in decode_xml(_doc("utf-16").encode("utf-16-le"), charset=None).text


@pytest.mark.parametrize("label", ["utf-7", "UTF7", "unicode_escape", "raw-unicode-escape", "punycode", "idna", "cp037", "hz"])
def test_markup_smuggling_codecs_are_refused(label):
    with pytest.raises(ParseError) as caught:
        decode_xml(b"<rss/>", charset=label)
    assert caught.value.code == "bad_encoding"


def test_smart_quotes_from_cp1252_survive_the_whole_parse():
    data = _doc("iso-8859-1").encode("cp1252")
    assert parse_feed(data, url="https://feeds.example/q").title == TITLE


def test_strip_prolog_keeps_pis_and_comments_and_names_the_root():
    text, root = strip_prolog('<?xml version="1.0"?>\n<!-- c --><?xml-stylesheet href="s.xsl"?>\n<!DOCTYPE rss>\n<rss/>')
    assert root == "rss" and "DOCTYPE" not in text and "xml-stylesheet" in text


def test_strip_prolog_refuses_an_endless_prolog():
    with pytest.raises(ParseError) as caught:
        strip_prolog("<!--" + "x" * 100_000 + "-->\n<rss/>")
    assert caught.value.code == "malformed"

"""Make untrusted XML bytes safe to hand to feedparser: decode once, refuse DTD tricks.

Character encoding precedence (first match wins):

1. A byte-order mark (UTF-8, UTF-16 LE/BE, UTF-32 LE/BE). XML 1.0 appendix F and
   RFC 7303 section 3.3: the BOM is authoritative, over both the charset parameter and the
   XML declaration. Without one, UTF-16 and UTF-32 (either byte order) show in the NUL bytes
   around the first character, ``<`` or white space (appendix F's table, which readers apply
   to any first tag, not only ``<?xml``): that wins too, since no label makes NUL bytes text.
2. The HTTP ``charset`` parameter (RFC 7303 section 3.2), with one exception: when it
   names a single-byte default (us-ascii, iso-8859-1, windows-1252), the XML declaration
   says UTF-8 or nothing, and the bytes are valid UTF-8 with non-ASCII characters, the
   document is UTF-8. Servers label everything latin-1 by default; valid multi-byte UTF-8 is
   practically never an accident in latin-1 text.
3. The ``encoding`` of the XML declaration.
4. UTF-8, the XML default.

A label that fails to decode the bytes falls through to the next rule; the last resort is
windows-1252 with replacement characters, reported as a warning. The labels iso-8859-1,
latin1 and us-ascii are read as windows-1252 (the WHATWG Encoding Standard does the same),
so cp1252 "smart quotes" come out right.

UTF-7 and the other codecs that can turn innocent bytes into markup (unicode-escape,
punycode, idna, any codec that does not read ASCII as ASCII except UTF-16/32) are refused
with ``ParseError("bad_encoding")`` wherever they are declared: they never reach a parser.

After decoding, a bounded scan of the prolog (everything before the root element) refuses
any entity declaration, internal DTD subset or external DTD (billion laughs, quadratic
blow-up, XXE through ``SYSTEM "file:..."`` or a URL, parameter entities) with
``ParseError("xml_entities")``. A bare ``<!DOCTYPE rss>`` and the RSS 0.91 Netscape DOCTYPE
are stripped and the document goes on, and so is an HTML DOCTYPE (with or without a public
or system identifier: it is removed, never fetched), which some servers put before
``<rss>``; the root element decides whether the document is an HTML page. feedparser then only ever sees UTF-8 bytes without
a DOCTYPE, wrapped in a file object (a bare ``bytes`` argument would be tried as a path).
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

from wiredesk.ingest.formats.errors import ParseError

MAX_PROLOG_CHARS = 64 * 1024  # no real feed has a longer prolog; a longer one is refused

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),  # before UTF-16 LE: it starts with the same 2 bytes
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_WIDE = {"utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le", "utf-32-be"}
# What the first character of a document may be (XML: "<" or white space; JSON: "{", "[").
_FIRST_CHARS = frozenset(b"<{[ \t\r\n")
_DENIED = {"utf-7", "unicode-escape", "raw-unicode-escape", "idna", "punycode"}
_LATIN_DEFAULTS = {"ascii", "iso8859-1", "cp1252"}
_ASCII_BYTES = bytes(range(128))
_ASCII_TEXT = _ASCII_BYTES.decode("ascii")

_DECL_RE = re.compile(rb"""^\s*<\?xml\s[^>]{0,200}?encoding\s*=\s*["']([A-Za-z0-9._:-]{1,40})["']""")
_NETSCAPE_PUBLIC_ID = "-//Netscape Communications//DTD RSS 0.91//EN"
_NAME_RE = re.compile(r"[A-Za-z_:][\w.:-]*")
_QUOTED_RE = re.compile(r"\"([^\"]*)\"|'([^']*)'")


@dataclass(frozen=True)
class Decoded:
    """Text of a document, the codec that read it, and the warnings decoding produced."""

    text: str
    encoding: str
    warnings: tuple[str, ...]


def codec_name(label: str | None) -> str | None:
    """Python codec name for a charset label; None when unknown. Refuses unsafe codecs."""
    if not label:
        return None
    try:
        info = codecs.lookup(label.strip().strip("\"'"))
    except (LookupError, ValueError):
        return None
    name = info.name
    if name in _WIDE:
        return name
    if name in _DENIED or not getattr(info, "_is_text_encoding", True):
        raise ParseError("bad_encoding", f"refusing to decode {label!r}")
    try:
        transparent = _ASCII_BYTES.decode(name) == _ASCII_TEXT
    except (UnicodeDecodeError, LookupError):
        transparent = False
    if not transparent:
        raise ParseError("bad_encoding", f"refusing to decode {label!r}: ASCII is not ASCII in it")
    return name


def wide_encoding(content: bytes) -> str | None:
    """UTF-16 or UTF-32 byte order of a document without a byte-order mark, else None.

    XML 1.0 appendix F: a document starts with an ASCII character (``<`` or white space;
    ``{`` for JSON), so the NUL bytes beside it give the encoding form away.
    """
    head = content[:4]
    if len(head) == 4:
        if head[:3] == b"\0\0\0" and head[3] in _FIRST_CHARS:
            return "utf-32-be"
        if head[0] in _FIRST_CHARS and head[1:] == b"\0\0\0":
            return "utf-32-le"
    if len(head) >= 2:
        if head[0] == 0 and head[1] in _FIRST_CHARS:
            return "utf-16-be"
        if head[0] in _FIRST_CHARS and head[1] == 0:
            return "utf-16-le"
    return None


def unicode_form(content: bytes) -> tuple[str | None, int]:
    """The encoding form given by a byte-order mark or by NUL bytes, and the BOM's length."""
    for bom, name in _BOMS:
        if content.startswith(bom):
            return name, len(bom)
    return wide_encoding(content), 0


def leading_char(content: bytes) -> str:
    """The first character other than white space, whatever form of Unicode the bytes are in."""
    name, skip = unicode_form(content)
    head = content[skip:skip + 512].decode(name or "utf-8", errors="ignore")
    return head.lstrip(" \t\r\n")[:1]


def _windows_1252(name: str) -> str:
    return "cp1252" if name in _LATIN_DEFAULTS else name


def _try(data: bytes, name: str) -> str | None:
    try:
        return data.decode(_windows_1252(name))
    except (UnicodeDecodeError, LookupError):
        return None


def decode_xml(content: bytes, *, charset: str | None) -> Decoded:
    """Decode an XML document following the precedence in the module docstring."""
    for bom, name in _BOMS:
        if content.startswith(bom):
            text = _try(content[len(bom):], name)
            if text is None:
                raise ParseError("bad_encoding", f"bytes after the {name} byte-order mark are not {name}")
            return Decoded(text, name, ())
    match = _DECL_RE.match(content[:300])
    declared_label = match.group(1).decode("ascii") if match else None
    # Both labels are checked first so that a denied codec is refused wherever it appears.
    http = codec_name(charset)
    declared = codec_name(declared_label)
    warnings: list[str] = []
    if charset and http is None:
        warnings.append(f"unknown charset {charset!r} in Content-Type ignored")
    if declared_label and declared is None:
        warnings.append(f"unknown encoding {declared_label!r} in XML declaration ignored")
    candidates: list[str] = []
    sniffed = wide_encoding(content)
    if sniffed:
        candidates.append(sniffed)  # no BOM: NUL bytes as in XML 1.0 appendix F
        if http and not sniffed.startswith(http):
            warnings.append(f"Content-Type says {charset}, document is {sniffed.upper()}")
    elif http in _LATIN_DEFAULTS and declared in (None, "utf-8") and not content.isascii():
        if _try(content, "utf-8") is not None:
            warnings.append(f"Content-Type says {charset}, document is UTF-8: read as UTF-8")
            candidates.append("utf-8")
    candidates += [n for n in (http, declared, "utf-8") if n]
    for name in candidates:
        if name in _WIDE and 0 not in content[:4]:
            continue  # a UTF-16/32 label on bytes without NULs is a lie (XML 1.0 appendix F)
        text = _try(content, name)
        if text is not None:
            if name != candidates[0]:
                warnings.append(f"document is not {candidates[0]}: read as {name}")
            return Decoded(text, name, tuple(warnings))
    warnings.append("document is not valid in any declared encoding: read as windows-1252")
    return Decoded(content.decode("cp1252", errors="replace"), "cp1252", tuple(warnings))


def _skip_ws(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in " \t\r\n":
        pos += 1
    return pos


def _doctype_end(text: str, start: int) -> int:
    """Index just past the DOCTYPE's ``>``, refusing an internal subset on the way."""
    pos = start
    limit = min(len(text), MAX_PROLOG_CHARS)
    while pos < limit:
        char = text[pos]
        if char in "\"'":
            close = text.find(char, pos + 1, limit)
            if close < 0:
                break
            pos = close + 1
            continue
        if char == "[":
            raise ParseError("xml_entities", "DOCTYPE with an internal subset refused")
        if char == ">":
            return pos + 1
        pos += 1
    raise ParseError("malformed", "unterminated DOCTYPE")


def _check_doctype(body: str) -> str:
    """Accept ``<!DOCTYPE name>``, any HTML DOCTYPE and the RSS 0.91 Netscape DOCTYPE; refuse the rest.

    Returns the DOCTYPE's name. Only an internal subset can declare entities here (refused
    before this is called); an external identifier is dropped with the DOCTYPE, unread.
    """
    name = _NAME_RE.match(body)
    if name is None:
        raise ParseError("malformed", "DOCTYPE without a name")
    if name.group(0).lower() == "html":
        return "html"
    rest = body[name.end():].strip()
    if not rest:
        return name.group(0)
    keyword = rest.split(None, 1)[0].upper()
    literals = [a or b for a, b in _QUOTED_RE.findall(rest)]
    if keyword == "PUBLIC" and literals and literals[0].strip() == _NETSCAPE_PUBLIC_ID:
        return name.group(0)  # stripped below, never fetched
    raise ParseError("xml_entities", f"external DTD refused ({keyword} {' '.join(literals)[:120]})")


def strip_prolog(text: str) -> tuple[str, str]:
    """Return the document without DOCTYPE and the root element's name ("" if none).

    Refuses entity declarations, internal subsets and external DTDs, and an HTML page.
    """
    pos = 1 if text.startswith("\ufeff") else 0
    doctype = ""
    while True:
        pos = _skip_ws(text, pos)
        if pos >= MAX_PROLOG_CHARS:
            raise ParseError("malformed", f"no root element in the first {MAX_PROLOG_CHARS} characters")
        if text.startswith("<?", pos):
            end = text.find("?>", pos + 2, MAX_PROLOG_CHARS)
            if end < 0:
                raise ParseError("malformed", "unterminated processing instruction")
            pos = end + 2
        elif text.startswith("<!--", pos):
            end = text.find("-->", pos + 4, MAX_PROLOG_CHARS)
            if end < 0:
                raise ParseError("malformed", "unterminated comment before the root element")
            pos = end + 3
        elif text[pos:pos + 9].upper() == "<!DOCTYPE":
            end = _doctype_end(text, pos + 9)
            doctype = _check_doctype(text[pos + 9:end - 1].strip())
            text = text[:pos] + text[end:]
        elif text.startswith("<!", pos):
            raise ParseError("xml_entities", "markup declaration outside a DOCTYPE refused")
        else:
            root = _NAME_RE.match(text, pos + 1) if text.startswith("<", pos) else None
            name = root.group(0) if root else ""
            if name.lower() == "html" or (doctype == "html" and not name):
                raise ParseError("not_a_feed", "an HTML document, not a feed")
            return text, name

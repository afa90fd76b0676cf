"""Cheap checks and decoding done before an HTML page is parsed."""

from __future__ import annotations

import codecs
import re

from charset_normalizer import from_bytes  # installed with trafilatura

from wiredesk.ingest.extract.errors import ExtractError

MAX_HTML_BYTES = 5 * 1024 * 1024
MAX_DEPTH = 2000

# Elements that never nest (void, self-closed SVG shapes) or close themselves implicitly:
# counting them would flag ordinary pages full of unclosed <p> and <li> as deep.
_FLAT = frozenset(
    b"area base br col embed hr img input link meta source track wbr param keygen command basefont "
    b"frame isindex p li dt dd option optgroup tr td th thead tbody tfoot colgroup rt rp html head "
    b"body path use circle rect line polyline polygon ellipse stop".split()
)
_TAG_RE = re.compile(rb"<(/?[a-z][a-z0-9:-]{0,40})")
_META_CHARSET_RE = re.compile(rb"""<meta[^>]{0,300}?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]{1,40})""", re.IGNORECASE)
_UNSAFE_CODECS = {"utf-7", "unicode-escape", "raw-unicode-escape", "idna", "punycode", "hz"}


def check_size(html: bytes | str) -> None:
    """Refuse pages over MAX_HTML_BYTES."""
    size = len(html) if isinstance(html, bytes) or html.isascii() else len(html.encode("utf-8", "replace"))
    if size > MAX_HTML_BYTES:
        raise ExtractError("too_large", f"{size} bytes of HTML, the limit is {MAX_HTML_BYTES}")


def nesting_depth(html: bytes, *, limit: int = MAX_DEPTH) -> int:
    """Deepest element nesting a tag scan finds, stopping once past ``limit``.

    Models what an HTML parser does with sloppy markup: a closing tag closes every element
    opened after its match, a stray closing tag is ignored, void elements do not nest. Not
    exact (script text is scanned too), but linear and cheap (about 0.3 ms a page).
    """
    if html.count(b"<") - html.count(b"</") <= limit:
        return 0  # cannot nest deeper than it has opening tags; the exact figure does not matter
    stack: list[bytes] = []
    open_count: dict[bytes, int] = {}
    deepest = 0
    for name in _TAG_RE.findall(html.lower()):
        if name[0] == 0x2F:  # "/": a closing tag
            name = name[1:]
            if open_count.get(name):
                while stack:
                    top = stack.pop()
                    open_count[top] -= 1
                    if top == name:
                        break
        elif name not in _FLAT:
            stack.append(name)
            open_count[name] = open_count.get(name, 0) + 1
            if len(stack) > deepest:
                deepest = len(stack)
                if deepest > limit:
                    break
    return deepest


def check_depth(html: bytes | str) -> None:
    """Refuse pages nesting elements deeper than MAX_DEPTH."""
    data = html if isinstance(html, bytes) else html.encode("utf-8", "replace")
    depth = nesting_depth(data)
    if depth > MAX_DEPTH:
        raise ExtractError("too_deep", f"elements nested more than {MAX_DEPTH} deep")


def _codec(label: bytes) -> str | None:
    try:
        name = codecs.lookup(label.decode("ascii")).name
    except (LookupError, UnicodeDecodeError):
        return None
    return None if name in _UNSAFE_CODECS else name


# UTF-8 with a few broken sequences (a truncated character where a CMS cut a string, one
# pasted byte of another charset) is still UTF-8: read in a single-byte charset instead, every
# other non-ASCII character of the page turns to mojibake. Text in a single-byte charset
# almost never forms valid multi-byte sequences, so it fails this test by a wide margin.
NEARLY_UTF8_SHARE = 0.9  # of the non-ASCII characters that decode as UTF-8 sequences
NEARLY_UTF8_MIN = 20  # valid multi-byte characters needed before the share is believed


def _nearly_utf8(data: bytes) -> str | None:
    """The bytes read as UTF-8 (broken sequences replaced) when nearly all of them are."""
    text = data.decode("utf-8", errors="replace")
    broken = text.count("\ufffd") - data.count("\ufffd".encode())
    non_ascii = len(text) - len(text.encode("ascii", "ignore"))
    good = non_ascii - broken
    if good >= NEARLY_UTF8_MIN and good >= NEARLY_UTF8_SHARE * non_ascii:
        return text
    return None


def decode_html(data: bytes) -> str:
    """Decode page bytes: BOM, then valid (or nearly valid) UTF-8, then the meta charset,
    then a guess.

    Valid UTF-8 beats a ``<meta charset>`` that says otherwise: pages converted to UTF-8
    keep stale declarations far more often than latin-1 text happens to be valid UTF-8.
    """
    for bom, name in ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")):
        if data.startswith(bom):
            return data[len(bom):].decode(name, errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    nearly = _nearly_utf8(data)
    if nearly is not None:
        return nearly
    match = _META_CHARSET_RE.search(data, 0, 4096)
    name = _codec(match.group(1)) if match else None
    if name in ("iso8859-1", "ascii"):
        name = "cp1252"  # WHATWG: these labels mean windows-1252
    if name and name != "utf-8":
        try:
            return data.decode(name)
        except UnicodeDecodeError:
            pass
    sample = data if len(data) <= 20000 else data[:10000] + data[-10000:]
    best = from_bytes(sample).best()
    if best is not None and _codec(best.encoding.encode()) not in (None, "utf-8"):
        return data.decode(best.encoding, errors="replace")
    return data.decode("cp1252", errors="replace")

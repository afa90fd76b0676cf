"""Content fingerprints: equal for the same story text however it was marked up."""

from __future__ import annotations

import hashlib
import html
import re
import unicodedata

# Tags are replaced by a space, not removed, so "<p>a</p><p>b</p>" and "a b"
# normalise alike. Only things that look like tags match, so "a < b" survives.
_TAG = re.compile(r"<(?:[A-Za-z][^<>]*|/[A-Za-z][^<>]*|![^<>]*)>")
_SPACE = re.compile(r"\s+")


def sha256_hex(data: bytes | str) -> str:
    """Return the SHA-256 hex digest of data, encoding text as UTF-8."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    return hashlib.sha256(data).hexdigest()


# One translation table, built once: punctuation (category P*) becomes a space and format
# characters (Cf: zero-width spaces, soft hyphens, BOM) vanish. The basic multilingual plane
# holds all the punctuation that news text uses.
_TABLE: dict[int, str | None] = {}
for _code in range(0x10000):
    _category = unicodedata.category(chr(_code))
    if _category.startswith("P"):
        _TABLE[_code] = " "
    elif _category == "Cf":
        _TABLE[_code] = None


def normalize_for_fingerprint(text: str) -> str:
    """Reduce text to lower-case words separated by single spaces."""
    text = html.unescape(_TAG.sub(" ", text))
    # NFKC folds compatibility forms (full-width letters, ligatures, non-breaking
    # spaces); casefold is the Unicode-correct lower-casing ("Straße" == "STRASSE").
    text = unicodedata.normalize("NFKC", text).casefold()
    # Punctuation becomes a space: sources disagree on curly versus straight quotes and
    # dash styles, and that is not a difference in content. A translate table rather than
    # a per-character loop in Python: this runs on every stored story.
    return _SPACE.sub(" ", text.translate(_TABLE)).strip()


def content_fingerprint(title: str, text: str) -> str:
    """Return a hex fingerprint of a story's title and body text."""
    # The newline keeps title and body apart: moving words across the boundary
    # makes a different fingerprint.
    return sha256_hex(f"{normalize_for_fingerprint(title)}\n{normalize_for_fingerprint(text)}")

"""Content fingerprints: equal for the same story text however it was marked up."""

from __future__ import annotations

import hashlib
import html
import re
import unicodedata

# Tags are replaced by a space, not removed, so "<p>a</p><p>b</p>" and "a b"
# normalise alike. Only things that look like tags match, so "a < b" survives.
_TAG = re.compile(r"<(?:[A-Za-z][^<>]*|/[A-Za-z][^<>]*|![^<>]*)>")


def sha256_hex(data: bytes | str) -> str:
    """Return the SHA-256 hex digest of data, encoding text as UTF-8."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    return hashlib.sha256(data).hexdigest()


def normalize_for_fingerprint(text: str) -> str:
    """Reduce text to lower-case words separated by single spaces."""
    text = html.unescape(_TAG.sub(" ", text))
    # NFKC folds compatibility forms (full-width letters, ligatures, non-breaking
    # spaces); casefold is the Unicode-correct lower-casing ("Straße" == "STRASSE").
    text = unicodedata.normalize("NFKC", text).casefold()
    # Punctuation (category P*) becomes a space: sources disagree on curly versus straight
    # quotes and dash styles, and that is not a difference in content. Format characters
    # (Cf: zero-width spaces, soft hyphens, BOM) vanish. Only the basic multilingual plane,
    # which holds all the punctuation news text uses, is looked at, as the translate table
    # this replaces did. A story has a few dozen distinct characters: one str.replace per
    # character to change is cheaper than a table lookup per character of the text.
    for char in set(text):
        if char > "\uffff":
            continue
        category = unicodedata.category(char)
        if category[0] == "P":
            text = text.replace(char, " ")
        elif category == "Cf":
            text = text.replace(char, "")
    # str.split() splits on the whitespace \s matches: collapses and strips at once.
    return " ".join(text.split())


def content_fingerprint(title: str, text: str) -> str:
    """Return a hex fingerprint of a story's title and body text."""
    return fingerprint_normalized(normalize_for_fingerprint(title), normalize_for_fingerprint(text))


def fingerprint_normalized(title: str, text: str) -> str:
    """content_fingerprint of a title and text already reduced by normalize_for_fingerprint."""
    # The newline keeps title and body apart: moving words across the boundary
    # makes a different fingerprint.
    return sha256_hex(f"{title}\n{text}")

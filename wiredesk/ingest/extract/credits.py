"""Credit, source and copyright lines left inside the main text.

Applied to trafilatura's output tree (its ``p`` blocks; a heading is left alone). A picture's
credit ("Foto: Jana Wiese", "© Agentur / Name", a caption ending "(Photo: Name)"), a source
line under a chart or a wire story ("Quelle: Landesamt", "Source: Agency") and a copyright
notice ("© 2024 Publisher", "... All rights reserved.") are page furniture: the article's
credit and its pictures' captions are kept elsewhere (the source's credit on the article,
captions in figures.py), and in the text they read as stray lines between paragraphs.

The signals are short blocks of a fixed shape: a credit label with its colon, or a copyright
sign, at the start of the block or after the caption's last sentence, followed by a credit (a
name, an agency: a few words, no question); or a rights notice ending the block. The labels
are the words papers print before a credit in the languages of the wires; a label alone is not
enough: "BILD: Herr Minister, wann ...?", "Credit: spreads tightened by two basis points to 98
over Treasuries.", "... fell to 6.4 % (Source: Eurostat)." and "Windows© 11" are prose.
"""

from __future__ import annotations

import re

from lxml.etree import _Element

from wiredesk.ingest.extract.blocks import block_text, remove_block

# A credit line, or a caption carrying one, is short; a paragraph of the article is not.
MAX_CHARS = 160
# The credit itself, after its label or copyright sign: a name, an agency, a year ("Jana Wiese /
# Bay Agency", "AFP / Name Surname", "2026 The Marrow Courier"). A label followed by a sentence
# is prose ("Credit: spreads tightened by two basis points to 98 over Treasuries.").
MAX_CREDIT_CHARS = 80
MAX_CREDIT_WORDS = 8

# Words papers print before a picture's credit, in the languages of the wires.
_PICTURE = (
    r"fotos?|photos?|photographs?|images?|pictures?|bild(?:er)?|beeld|bildnachweis|bildquelle|bildrechte|"
    r"fotocredits?|fotograf(?:ie)?|titelbild|beitragsbild|headerbild|aufmacherbild|symbolbild|"
    r"(?:photo|image|picture|foto|bild)\s*(?:credits?|source|quelle|courtesy)|"
    r"credits?|cr[ée]dits?(?:\s+photos?)?|cr[ée]ditos?(?:\s+(?:de\s+)?(?:la\s+)?(?:foto|imagen))?|zdj[eę]cie"
)
# Words before a source or the rights.
_SOURCE = r"quelle|sources?|fuentes?|fonte|[źz]r[óo]d[łl]o|bron|copyright"
_CREDIT = r"(?P<credit>[^?!]{1,%d})" % MAX_CREDIT_CHARS

# The whole block is a credit: "Foto: Name", "Photo (cc): Name", "Crédits photos : Name",
# "(Bild: Name)", "Quelle: Landesamt", "Fot. Name", "© Name", "(c) 2026 Name", "Copyright 2026 Name".
_WHOLE = re.compile(
    rf"^[\(\[]?\s*(?:(?:{_PICTURE}|{_SOURCE})\s*(?:\([^)]{{0,12}}\)\s*)?:|fot\.|zdj\.|©|\(c\)(?=\s*\d{{4}})"
    rf"|copyright(?=\s*©?\s*\d{{4}}))\s*{_CREDIT}$",
    re.IGNORECASE)
# A caption ending with its picture's credit: "... Mikaela Shiffrin. © AFP / Name",
# "... in the Congress (Foto: Name).", "... at dawn. Photo: Bay Agency". A bracketed source at
# the end of a sentence is the article's own ("fell to 6.4 % (Source: Eurostat).") and stays.
_ENDS = tuple(re.compile(pattern, re.IGNORECASE) for pattern in (
    rf"(?:[.!?]\s+|\s[/|–—-]\s+)©\s*{_CREDIT}$",
    rf"[\(\[]\s*(?:{_PICTURE})\s*:\s*{_CREDIT}[\)\]]\.?$",
    rf"[.!?]\s+(?:{_PICTURE})\s*:\s*{_CREDIT}$",
))
_RIGHTS = re.compile(
    r"\brights reserved|alle rechte vorbehalten|tous droits r[ée]serv[ée]s|todos los derechos reservados|"
    r"tutti i diritti riservati|todos os direitos reservados|wszelkie prawa zastrze[żz]one|"
    r"alle rechten voorbehouden", re.IGNORECASE)
_CITATION = re.compile(rf"^[\(\[]?\s*(?:{_SOURCE})\s*:", re.IGNORECASE)


def _a_credit(match: re.Match | None) -> bool:
    """What the label or the copyright sign stands before is a credit, not a sentence: a few
    words, mostly names ("Jana Wiese", "Agencia de la Bahía", "dpa", "AFP / Name"), where a
    sentence has mostly small words ("Credit: lenders tightened standards again.", "Bild: So
    sah es nach dem Sturm aus.")."""
    if match is None:
        return False
    raw = match.group("credit").strip()
    credit = raw.strip(" .)]")
    words = credit.split()
    if not words or len(words) > MAX_CREDIT_WORDS:
        return False
    if len(words) == 1 or any(mark in credit for mark in "/|©"):
        return True
    names = sum(1 for word in words if word.lstrip("(\"'„“«‚")[:1].isupper() or word[:1].isdigit())
    if 2 * names < len(words):
        return False
    sentence = raw.rstrip(" )]").endswith(".") and len(words) >= 4
    return not sentence or 3 * names >= 2 * len(words)


def credit_line(text: str, *, linked: bool = False) -> bool:
    """A picture credit, a source line or a copyright notice (``text``: the block's words).

    ``linked``: the block holds a link. A source line with a link is a citation the reader
    can follow ("Source: <the report>") and stays.
    """
    if not text or len(text) > MAX_CHARS:
        return False
    if linked and _CITATION.match(text):
        return False
    if _a_credit(_WHOLE.match(text)) or any(_a_credit(end.search(text)) for end in _ENDS):
        return True
    # A rights notice: with the sign or the word ("Copyright 2026 Radio. All rights reserved."),
    # or on its own ("Tous droits réservés"); in a sentence it is prose ("... left the author
    # with all rights reserved.").
    rights = _RIGHTS.search(text)
    return bool(rights) and ("©" in text or "copyright" in text.lower() or "(c)" in text.lower()
                             or len(text.split()) <= len(rights.group().split()) + 1)


def _chars(text: str) -> int:
    return len("".join(text.split()))


def drop_credits(body: _Element) -> int:
    """Remove the credit, source and copyright lines of the body; returns how many went.
    A body made of nothing else is left as it is (its page had no text found, not furniture)."""
    lines = [e for e in body.iter("p")
             if e.find(".//graphic") is None and credit_line(block_text(e), linked=e.find(".//ref") is not None)]
    if not lines or _chars("".join(body.itertext())) <= sum(_chars("".join(e.itertext())) for e in lines):
        return 0
    for element in lines:
        remove_block(element)
    return len(lines)

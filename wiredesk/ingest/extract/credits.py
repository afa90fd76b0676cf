"""Credit, source and copyright lines left inside the main text.

Applied to trafilatura's output tree (``p`` and ``head`` blocks). A picture's credit ("Foto:
Jana Wiese", "© Agentur / Name", a caption ending "(Photo: Name)"), a source line under a
chart or a wire story ("Quelle: Landesamt", "Source: Agency") and a copyright notice ("© 2024
Publisher", "All rights reserved") are page furniture: the article's credit and its pictures'
captions are kept elsewhere (the source's credit on the article, captions in figures.py), and
in the text they read as stray lines between paragraphs.

The signals are short blocks of a fixed shape: a copyright sign at the start or ending the
block, or a credit label with its colon at the start. The labels are the words papers print
before a credit in the languages of the wires (a dozen languages); a label alone, without its
colon or its copyright sign, is not enough ("the photo shows", "credit card").
"""

from __future__ import annotations

import re

from lxml.etree import _Element

from wiredesk.ingest.extract.teasers import _remove, _text

# A credit line, or a caption carrying one, is short; a paragraph of the article is not.
MAX_CHARS = 160
# What a credit after a caption may take: "© AFP / Name Surname", "(Foto: Agentur)".
MAX_CREDIT_CHARS = 80

_LABELS = (
    # picture credits
    r"fotos?|photos?|images?|pictures?|bild(?:er)?|beeld|bildnachweis|bildquelle|fotocredits?|"
    r"fotograf(?:ie)?|titelbild|beitragsbild|headerbild|aufmacherbild|symbolbild|"
    r"(?:photo|image|picture|foto|bild)\s*(?:credits?|source|quelle|courtesy)|"
    r"credits?|cr[ée]dits?(?:\s+photos?)?|cr[ée]dito(?:s)?(?:\s+(?:de\s+)?(?:la\s+)?(?:foto|imagen))?|"
    r"fot\.|zdj\.|zdj[eę]cie|"
    # sources and rights
    r"quelle|source|sources|fuente|fonte|[źz]r[óo]d[łl]o|bron|copyright"
)
# "Foto: Name", "Photo (cc): Name", "Crédits photos : Name", "Fot. Name", "© Name".
_STARTS = re.compile(rf"^[\(\[]?\s*(?:(?:{_LABELS})\s*(?:\([^)]{{0,12}}\))?\s*:|fot\.\s|zdj\.\s|©|\(c\)\s*\d{{4}})",
                     re.IGNORECASE)
# A caption ending with its credit: "... Mikaela Shiffrin. © AFP / Name", "... (Foto: Name)".
_ENDS = re.compile(rf"(?:©[^©]{{1,{MAX_CREDIT_CHARS}}}|[\(\[]\s*(?:{_LABELS})\s*:[^()\[\]]{{1,{MAX_CREDIT_CHARS}}}[\)\]]\.?"
                   rf"|[.!?]\s+(?:{_LABELS})\s*:[^.!?:]{{1,{MAX_CREDIT_CHARS}}})$", re.IGNORECASE)
_RESERVED = re.compile(
    r"all rights reserved|alle rechte vorbehalten|tous droits r[ée]serv[ée]s|todos los derechos reservados|"
    r"tutti i diritti riservati|todos os direitos reservados|wszelkie prawa zastrze[żz]one|"
    r"alle rechten voorbehouden", re.IGNORECASE)


_CITATION = re.compile(r"^[\(\[]?\s*(?:quelle|source|sources|fuente|fonte|[źz]r[óo]d[łl]o|bron)\s*:", re.IGNORECASE)


def credit_line(text: str, *, linked: bool = False) -> bool:
    """A picture credit, a source line or a copyright notice (``text``: the block's words).

    ``linked``: the block holds a link. A source line with a link is a citation the reader
    can follow ("Source: <the report>") and stays.
    """
    if not text or len(text) > MAX_CHARS:
        return False
    if linked and _CITATION.match(text):
        return False
    return bool(_STARTS.match(text) or _ENDS.search(text) or _RESERVED.search(text))


def drop_credits(body: _Element) -> int:
    """Remove the credit, source and copyright lines of the body; returns how many went.
    A body made of nothing else is left as it is (its page had no text found, not furniture)."""
    lines = [e for e in body.iter("p", "head")
             if e.find(".//graphic") is None and credit_line(_text(e), linked=e.find(".//ref") is not None)]
    if len(lines) == len(list(body.iter("p", "head", "list", "table", "quote"))):
        return 0
    for element in lines:
        _remove(element)
    return len(lines)

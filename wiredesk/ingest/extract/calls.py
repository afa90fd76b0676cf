"""Calls to the reader at the end of the main text: "Subscribe to our newsletter", "Follow us on
Instagram", "Únete a nuestro canal de Telegram", "Download our app for iOS and Android".

Applied to trafilatura's output tree. Sites put these under the article, inside the container
the extractor keeps, and in a republished story they point readers at a site that is not ours.
Only the end of the text is judged: walking back from the last block, calls go and short
lines (under 40 characters: "Donate", a date) are passed over, until a block of the article
(or the third block from the end) is reached. A block is a call when it is short (at most
300 characters), quotes no one, and one of:
- it, or one of its sentences, opens with the call itself, an imperative ("Subscribe",
  "Sign up", "Follow us", "Abonnieren Sie", "Síguenos", "Suivez-nous", "Iscriviti", "Assine",
  "Obserwuj nas");
- it asks for a subscription, a newsletter, an app, or to follow or join on a network, and
  speaks to the reader in the second person ("you", "dich", "Ihnen", "tu", "vous", "você");
- the site names its own newsletter, channel or app ("our newsletter", "nuestro canal",
  "unseren Newsletter").
Third-person prose stays: "Netflix lost subscribers", "the agreement was signed", "she has
80,000 followers on TikTok", "residents can sign up for alerts, the mayor told us", however
near the end it is.

Measured on the extraction-dev pages (docs/benchmarks.md, "Extraction alone").
"""

from __future__ import annotations

import re

from lxml.etree import _Element

from wiredesk.ingest.extract.blocks import block_text, remove_block

# How near the end: at most the last three blocks of text.
LAST_BLOCKS = 3
MAX_CHARS = 300
SHORT = 40  # a line passed over on the way back: "Donate", "Share", a date

_NETWORK = r"(?:facebook|twitter|instagram|telegram|youtube|whatsapp|linkedin|tiktok|mastodon|bluesky)\b"
_OUTLET = r"(?:newsletter\w*|channel|canal|kanal|app|apps|podcast)\b"

# The call opening the block or one of its sentences, in the imperative (or the polite
# German form).
_OPENS = re.compile(
    r"(?:^|[.:!?]\s+)(?:subscribe|sign up|follow us|follow (?:\w+ ){1,3}on|join us|join our|download our|get our"
    r"|abonniere|abonnieren sie|jetzt abonnieren|folgt uns|folge uns|folgen sie uns|melde dich|melden sie sich"
    r"|abonnez-vous|inscrivez-vous|suivez-nous|rejoignez-nous"
    r"|s[ií]guenos|suscr[ií]bete|suscr[ií]base|[uú]nete|desc[aá]rgate"
    r"|iscriviti|seguici|scarica la nostra"
    r"|assine|inscreva-se|siga-nos|baixe o nosso|baixe a nossa"
    r"|obserwuj nas|subskrybuj|zapisz si[eę]|do[lł][aą]cz do nas)\b",
    re.IGNORECASE)
# Asking for something.
_ASK = re.compile(
    r"\b(?:subscri(?:be|ption)\w*|newsletter\w*|sign(?:ing)? up|abonn\w*|suscr[ií]b\w*|iscriv\w*|subskryb\w*"
    rf"|download\w*.{{0,40}}\bapps?\b|apps?\b.{{0,30}}\b(?:ios|android)\b|follow\w*.{{0,60}}\b{_NETWORK}"
    rf"|join\w*.{{0,60}}\b{_NETWORK}|[uú]ne?te.{{0,60}}\b{_NETWORK}|(?:canal|channel|kanal)\b.{{0,20}}\b{_NETWORK})",
    re.IGNORECASE)
# The reader addressed in the second person. German "Ihnen"/"Ihr" only capitalised inside a
# sentence, as in an address (at its start "Ihr" is also "her", "their"); never "Sie" ("she",
# "they"), "nos" (Portuguese "in the") or "us" ("the mayor told us").
_YOU = re.compile(r"\b(?:you|your|dich|dir|dein\w*|euch|euer\w*|tu|tus|t[uú]|usted\w*|vous|votre|voc[eê]s?"
                  r"|teu|tua|tuo|twoj\w*|twój\w*|ciebie)\b", re.IGNORECASE)
_YOU_CASED = re.compile(r"(?<=[^\W\d_] )(?:Ihnen|Ihr|Ihre[mnrs]?)\b")
# The site's own newsletter, channel or app.
_OURS = re.compile(rf"\b(?:our|unser\w*|nuestr[oa]s?|notre|nostr[aoie]|noss[oa]s?|nasz\w*)\s+(?:\w+\s+)?{_OUTLET}",
                   re.IGNORECASE)
_QUOTES = re.compile(r"[\"“”„«»]|^['‘]|\s['‘]\w")


def call_line(text: str) -> bool:
    """Whether one block's text is a call to the reader (see the module's docstring)."""
    if not text or len(text) > MAX_CHARS or _QUOTES.search(text):
        return False
    if _OPENS.search(text):
        return True
    if _OURS.search(text):
        return True
    return bool(_ASK.search(text)) and bool(_YOU.search(text) or _YOU_CASED.search(text))


def drop_calls(body: _Element) -> int:
    """Remove the calls at the end of the text; returns how many went. Only paragraphs and
    headings are judged; a body made of nothing else is left as it is. Walks back from the
    end and reads no block before the last few: this runs on every page."""
    calls: list[_Element] = []
    judged, other_text = 0, False
    for element in reversed(body):
        if not isinstance(element.tag, str):
            continue
        text = block_text(element)
        if not text:
            continue
        if judged == LAST_BLOCKS:  # text before the tail
            other_text = True
            break
        judged += 1
        if element.tag in ("p", "head") and call_line(text):
            calls.append(element)
            continue
        other_text = True
        if len(text) >= SHORT:
            break
    if not calls or not other_text:
        return 0
    for element in calls:
        remove_block(element)
    return len(calls)

"""Calls to the reader at the end of the main text: "Subscribe to our newsletter", "Follow us on
Instagram", "Join our Telegram channel", "Download our app for iOS and Android".

Applied to trafilatura's output tree. Sites put these under the article, inside the container
the extractor keeps, and in a republished story they point readers at a site that is not ours.
A block goes when it is one of the last few blocks of text, short, and both:
- asks for a subscription, a newsletter sign-up, an app download, or to follow or join the
  site on a social network or a channel, and
- speaks to the reader or for the site ("you", "our", "Sie", "síguenos", "nuestro", "vous",
  ...).
A block with quotation marks is prose quoting someone and stays, as does anything earlier in
the text: an article about subscriptions or social networks mentions them in its paragraphs,
but in the third person ("Netflix lost subscribers", "she posted on Instagram").

Measured on the extraction-dev pages (docs/benchmarks.md, "Extraction alone").
"""

from __future__ import annotations

import re

from lxml.etree import _Element

from wiredesk.ingest.extract.blocks import block_text, remove_block

# How near the end: the last three blocks of text (a call, a second call, an address line).
LAST_BLOCKS = 3
MAX_CHARS = 300

_ASK = (
    # subscribing, newsletters, signing up (en, de, fr, es, it, pt, pl)
    r"subscri\w*|abonn\w*|suscr[ií]b\w*|subskryp\w*|assin[ae]\w*|iscriv\w*|newsletter\w*|sign(?:ing)? up"
    # an app
    r"|download\w*.{0,40}\bapps?\b|apps?\b.{0,30}\b(?:ios|android)"
    # following or joining on a network or a channel
    r"|(?:follow|folg\w*|s[ií]gue\w*|segu[ei]\w*|suiv\w*|obserwuj\w*|join|[uú]ne?te)\b.{0,80}?"
    r"\b(?:facebook|twitter|instagram|telegram|youtube|whatsapp|linkedin|tiktok|threads|mastodon|social)"
    r"|(?:canal|channel|kanal)\b.{0,30}\b(?:telegram|youtube|whatsapp)"
)
_CALL = re.compile(rf"\b(?:{_ASK})", re.IGNORECASE)
# The reader or the site addressed: second-person and first-person-plural words. "us", "Sie" and
# "Ihnen" only as written in an address ("US" is a country, "sie" is "they"); not German "du",
# which is French for "of the".
_ADDRESS = re.compile(
    r"\b(?:you|your|our|we|dich|dir|dein\w*|euch|euer|unser\w*|uns|wir|tu|tus|tua|tuo|usted|nuestr[oa]s?|nos"
    r"|vous|votre|vos|notre|nous|nostr[aeio]|vostr[aeio]|nasz\w*|twoj\w*|voc[eê]|noss[oa]s?"
    # imperatives that carry the address in the word itself
    r"|s[ií]gue(?:nos|me)|suscr[ií]bete|[uú]nete|abonnez|iscriviti|seguici|inscreva\w*)\b"
    r"|[¿¡]", re.IGNORECASE)
_ADDRESS_CASED = re.compile(r"\b(?:us|Sie|Ihnen|Ihre?[mnrs]?)\b")
_QUOTES = re.compile(r"[\"“”„«»]")


def call_line(text: str) -> bool:
    """Whether one block's text is a call to the reader (see the module's docstring)."""
    if not text or len(text) > MAX_CHARS or _QUOTES.search(text):
        return False
    return bool(_CALL.search(text)) and bool(_ADDRESS.search(text) or _ADDRESS_CASED.search(text))


def drop_calls(body: _Element) -> int:
    """Remove the calls among the last blocks of text; returns how many went. Only paragraphs
    and headings are judged; a body made of nothing else is left as it is."""
    blocks = [e for e in body if isinstance(e.tag, str) and block_text(e)]
    tail = blocks[-LAST_BLOCKS:]
    calls = [e for e in tail if e.tag in ("p", "head") and call_line(block_text(e))]
    if not calls or len(calls) == len(blocks):
        return 0
    for element in calls:
        remove_block(element)
    return len(calls)

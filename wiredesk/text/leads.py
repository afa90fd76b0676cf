"""Wire-copy conventions: datelines and caption leads, READ MORE lines, credit tags, teasers."""

from __future__ import annotations

import datetime as dt
import html as html_lib
import re
from urllib.parse import urljoin, urlsplit

from typing import NamedTuple

import lxml.html

from wiredesk.text.dates import month_number
from wiredesk.text.sanitize import html_texts, parse_fragment, tree_texts
from wiredesk.text.records import Lead, RelatedLink

# Python's re has no \p{Lu}; build the classes from the Latin ranges wires use,
# so "SÃO PAULO" and "ŁÓDŹ" count as upper case and "Zürich" does not.
_UPPER = "".join(c for c in map(chr, range(0x41, 0x250)) if c.isupper())
_UP = f"[{re.escape(_UPPER)}]"
_CAPWORD = rf"{_UP}[{re.escape(_UPPER)}'’.&\-]*(?!\w)"  # ST.  D.C.  O'HARE
_CAPSEG = rf"{_CAPWORD}(?:\s{_CAPWORD}){{0,5}}"
_PLACE = rf"{_CAPSEG}(?:,\s?{_CAPSEG}){{0,2}}"  # WASHINGTON, D.C.
_WORD = rf"{_UP}[\w'’.\-]*"
_REGION = rf"{_WORD}(?:\s(?:{_WORD}|of|and|the|de|del|da|do|du|la|le|y)){{0,4}}"
_MONTH = (
    r"(?i:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?"
    r"|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?(?!\w)"
)
_WEEKDAY = r"(?i:(?:mon|tues?|wed(?:nes)?|thu(?:rs)?|fri|sat(?:ur)?|sun)(?:day)?\.?,?\s+)?"
_DATE = (
    rf"{_WEEKDAY}(?:(?P<mon>{_MONTH})\s+(?P<day>\d{{1,2}})(?:,?\s+(?P<year>\d{{4}}))?"
    rf"|(?P<day2>\d{{1,2}})\s+(?P<mon2>{_MONTH})(?:,?\s+(?P<year2>\d{{4}}))?"
    r"|(?P<iso>\d{4}-\d{2}-\d{2}))(?!\w)"
)
_AGENCY = r"\((?P<agency>[^()\n]{1,40})\)"
_TAIL = rf"(?:,\s?(?P<region>{_REGION}))?(?:,?\s+(?P<date>{_DATE}))?"

_DATELINE = re.compile(
    rf"^(?P<place>{_PLACE}){_TAIL}(?:\s*{_AGENCY})?"
    # ":" and " - " need the space after them, or "10:30" and "US-LED" would end
    # a place; an em or en dash is unambiguous and may touch the next word.
    r"(?:\s?:(?=\s|$)|\s+-{1,2}(?=\s|$)|\s*[–—])"
)
_CAPTION = re.compile(
    rf"^\((?P<code>\d{{6}})\)\s*(?:--|[–—])\s*(?P<place>{_PLACE}){_TAIL}\s*{_AGENCY}\s*(?:--|[–—])"
)
_PHOTO = re.compile(r"^\(\s*(?i:photo(?:\s+credits?)?|credit)\s*:\s*(?P<credit>[^()]{1,120}?)\s*\)")

# All-caps words that open a paragraph with a colon or dash but are labels,
# not places ("UPDATE: ...", "WATCH - ...").
_KICKERS = frozenset(
    {
        "ADVERTISEMENT", "ALERT", "ANALYSIS", "BREAKING", "BREAKING NEWS", "CLARIFICATION",
        "COMMENT", "COMMENTARY", "CORRECTION", "EDITORIAL", "EDITOR'S NOTE", "EDITOR’S NOTE",
        "EXCLUSIVE", "FACT CHECK", "FILE", "FILE PHOTO", "FLASH", "INTERVIEW", "LISTEN", "LIVE",
        "NOTE", "OPINION", "PHOTO", "PHOTOS", "READ ALSO", "READ MORE", "REVIEW", "SPONSORED",
        "UPDATE", "UPDATED", "URGENT", "VIDEO", "WARNING", "WATCH", "SEE ALSO", "RELATED",
        # Press-release boilerplate: releases enter through the same pipeline.
        "PRESS RELEASE", "FOR IMMEDIATE RELEASE", "MEDIA ADVISORY", "ADVISORY", "CONTACT",
        "MEDIA CONTACT", "ABOUT", "BACKGROUND", "SUMMARY", "Q&A",
    }
)  # fmt: skip
_MIN_PLACE_LETTERS = 3  # "I:" and "US -" are not datelines

_READ_MORE = re.compile(r"^\s*read\s+more\s*:\s*", re.IGNORECASE)
# The same teaser line in the other languages wires and sites write in ("Read also:", "Lea
# más:", "Lesen Sie auch:", "À lire aussi :", "Czytaj też:"...): the formula, a colon, a link.
# Only with a link, unlike English "READ MORE:": a paragraph opening "Related:" or "Mehr zum
# Thema:" without one may be the story's own sentence.
_RELATED_LABEL = re.compile(
    r"^\W*(?:read\s+also|see\s+also|related(?:\s+(?:stories|articles|coverage|news))?|more\s+on\s+this(?:\s+story)?"
    r"|lea\s+(?:más|también|tambien)|lee\s+(?:más|también|tambien)|leer\s+más|le\s+puede\s+interesar|te\s+puede\s+interesar"
    r"|notas?\s+relacionadas?|noticias?\s+relacionadas?|(?:à\s+)?lire\s+(?:aussi|également|egalement)|voir\s+aussi"
    r"|lesen\s+sie\s+(?:auch|mehr)|mehr\s+zum\s+thema|auch\s+interessant|das\s+könnte\s+sie\s+auch\s+interessieren"
    r"|leia\s+(?:mais|também|tambem)|veja\s+(?:também|tambem)|czytaj\s+(?:też|także|więcej)|zobacz\s+(?:też|także)"
    r"|leggi\s+anche|lees\s+ook|läs\s+(?:också|mer)|les\s+også|læs\s+også|lue\s+myös)\s*[:：]",
    re.IGNORECASE,
)
# Cheap test before the blocks are read: a word that starts one of the formulas, at the start of
# a word, then a colon soon after. Its first letters, looked ahead for, let the regex engine skip
# to the next candidate position instead of trying every word at every position (the unanchored
# test cost about 0.9 ms on an average article, four times this one).
_HINT_WORDS = (
    "more", "also", "related", "lea", "lee", "leer", "interesar", "relacionad", "lire", "voir", "lesen", "thema",
    "interess", "leia", "veja", "czytaj", "zobacz", "leggi", "lees", "läs", "les", "læs", "lue",
)
_RELATED_HINT = re.compile(
    "(?=[" + "".join(sorted({w[0] for w in _HINT_WORDS})) + r"])\b(?:" + "|".join(_HINT_WORDS) + r")[^<:：]{0,40}[:：]",
    re.IGNORECASE,
)
_SPACE = re.compile(r"\s+")
_BLOCKS = frozenset({"p", "div", "li", "dd", "blockquote", "h2", "h3", "h4", "h5", "h6", "section"})
_TRAILING_PARENS = re.compile(r"\((?P<tag>[^()]{1,40})\)\s*$")
_DOMAIN = re.compile(r"^[\w-]+(?:\.[\w-]+)+$")
_SENTENCE_END = (".", "!", "?", "…", '"', "”", "’", "'")


def parse_lead(text: str, *, default_year: int | None = None) -> tuple[Lead, str]:
    """Split the lead off a story's first paragraph and return it with the rest.

    default_year completes datelines that name only a month and day
    ("PORT ELLIS, Mar 3 (Wirecast) -"); without it their date stays None.
    """
    text = text.strip()
    if match := _CAPTION.match(text):
        code_date = _code_date(match["code"])
        # A spelled date wins; without a year it borrows the code's, and without
        # a spelled date at all the yymmdd code is the date.
        date = _lead_date(match, default_year=code_date.year if code_date else None)
        lead = Lead(
            kind="caption",
            text=match.group(0),
            place=_collapse(match["place"]),
            date=date or code_date,
            agency=match["agency"].strip(),
        )
        return lead, text[match.end() :].lstrip()
    if match := _PHOTO.match(text):
        lead = Lead(kind="photo", text=match.group(0), photo_credit=match["credit"].strip())
        return lead, text[match.end() :].lstrip()
    if (match := _DATELINE.match(text)) and _is_place(match["place"]):
        lead = Lead(
            kind="dateline",
            text=match.group(0).strip(),
            place=_collapse(match["place"]),
            date=_lead_date(match, default_year=default_year),
            agency=(match["agency"] or "").strip(),
        )
        return lead, text[match.end() :].lstrip()
    return Lead(), text


def _is_place(place: str) -> bool:
    place = _collapse(place)
    letters = sum(char.isalpha() for char in place)
    return letters >= _MIN_PLACE_LETTERS and place.rstrip(".") not in _KICKERS


def _lead_date(match: re.Match, *, default_year: int | None) -> dt.date | None:
    if match["date"] is None:
        return None
    try:
        if match["iso"]:
            return dt.date.fromisoformat(match["iso"])
        year = match["year"] or match["year2"] or default_year
        month = month_number(match["mon"] or match["mon2"])
        if year is None or month is None:
            return None
        return dt.date(int(year), month, int(match["day"] or match["day2"]))
    except ValueError:  # "Feb 30"
        return None


def _code_date(code: str) -> dt.date | None:
    # Xinhua's photo code is yymmdd; photo archives cover this century only.
    try:
        return dt.date(2000 + int(code[:2]), int(code[2:4]), int(code[4:6]))
    except ValueError:
        return None


def split_related(html: str, *, base_url: str | None = None) -> tuple[str, tuple[RelatedLink, ...]]:
    """Remove the READ MORE blocks from html and return them as links."""
    if not _RELATED_HINT.search(html):  # cheap exit: most bodies have none
        return html, ()
    root = parse_fragment(html)
    if root is None:
        return html, ()
    related = remove_related(root, base_url=base_url)
    return (_serialize(root), related) if related else (html, ())


def remove_related(root, *, base_url: str | None = None) -> tuple[RelatedLink, ...]:
    """split_related on a tree from parse_fragment: remove the blocks in place, return the links."""
    found: list[tuple[lxml.html.HtmlElement, RelatedLink]] = []
    for element in root.iterdescendants(*_BLOCKS):
        # Innermost blocks only: a wrapper <div> whose text happens to start with
        # a READ MORE paragraph also holds the story that follows it.
        if next(element.iterdescendants(*_BLOCKS), None) is not None:
            continue
        text = _collapse(element.text_content())
        if not _READ_MORE.match(text) and not (_RELATED_LABEL.match(text) and _linked(element)):
            continue
        link = _related_link(element, text, base_url=base_url)
        if link is not None:
            found.append((element, link))
    for element, _ in found:
        parent = element.getparent()
        element.drop_tree()  # keeps the element's tail text
        # A list or wrapper that only held READ MORE items would be left empty.
        if parent is not root and parent.tag in {"ul", "ol", "div"} and len(parent) == 0:
            if not (parent.text or "").strip():
                parent.drop_tree()
    return tuple(link for _, link in found)


class Story(NamedTuple):
    html: str  # the body without its READ MORE lines and trailing credit tag
    related: tuple[RelatedLink, ...]
    credit_tag: str
    text: str  # html_to_text(html)
    story_text: str  # the same without the text of <figure> elements (captions, credits)


def split_story(html: str, *, base_url: str | None = None) -> Story:
    """split_related, then split_credit_tag, then html_to_text of what is left.

    The same as the three calls in a row, parsing html once, instead of up to three times,
    when there is nothing to split off; the text without figures comes from the same walk.
    """
    root = parse_fragment(html)
    if root is None:  # as the three calls would find it
        return Story(html, (), "", *html_texts(html))
    # The hint read on the text: shorter than the markup, and a formula split by a tag
    # ("<b>Read</b> also:") reads as it does in the block's text.
    texts = tree_texts(root)
    related = remove_related(root, base_url=base_url) if _RELATED_HINT.search(texts[0]) else ()
    if related:  # rare: take the three-call path on the re-serialized html
        html = _serialize(root)
        html, credit_tag = split_credit_tag(html)
        return Story(html, related, credit_tag, *html_texts(html))
    credit_tag = remove_credit_tag(root) if ")" in html else ""
    if credit_tag:
        html = _serialize(root).rstrip()
        return Story(html, (), credit_tag, *html_texts(html))
    return Story(html, (), "", *texts)


def _linked(element) -> bool:
    return any((anchor.get("href") or "").strip() for anchor in element.iter("a"))


def _label_removed(text: str) -> str:
    return _RELATED_LABEL.sub("", _READ_MORE.sub("", text)).strip()


def _related_link(element, text: str, *, base_url: str | None) -> RelatedLink | None:
    for anchor in element.iter("a"):
        href = (anchor.get("href") or "").strip()
        if not href:
            continue
        title = _collapse(anchor.text_content()) or _label_removed(text)
        return RelatedLink(title=title, url=_safe_url(href, base_url=base_url)) if title else None
    title = _label_removed(text)
    return RelatedLink(title=title, url="") if title else None


def _safe_url(href: str, *, base_url: str | None) -> str:
    # The URL will be rendered in an href: only http(s), or a relative path when
    # there is no base to resolve it against, may pass.
    url = urljoin(base_url, href) if base_url else href
    try:
        scheme = urlsplit(url).scheme.lower()
    except ValueError:
        return ""
    return url if scheme in {"http", "https"} or (not scheme and not base_url) else ""


def split_credit_tag(html: str) -> tuple[str, str]:
    """Remove a closing credit tag such as "(Wirecast)" and return it unwrapped."""
    if ")" not in html:
        return html, ""
    root = parse_fragment(html)
    if root is None:
        return html, ""
    tag = remove_credit_tag(root)
    return (_serialize(root).rstrip(), tag) if tag else (html, "")


def remove_credit_tag(root) -> str:
    """split_credit_tag on a tree from parse_fragment: remove the tag in place, return it ("" if none)."""
    segment = next((seg for seg in _text_segments_backwards(root) if (getattr(seg[0], seg[1]) or "").strip()), None)
    if segment is None:
        return ""
    owner, attr = segment
    value = getattr(owner, attr)
    match = _TRAILING_PARENS.search(value)
    if not match or not _is_credit(match["tag"].strip()):
        return ""
    container = owner if attr == "text" else owner.getparent()
    block = container
    while block is not root and block.tag not in _BLOCKS:
        block = block.getparent()
    full = _collapse(block.text_content())
    preceding = full[: full.rfind("(")].rstrip()
    # On its own line (after a block or <br>) or after a finished sentence it is
    # a credit; "... by the Harbour Trust (HT)" is part of the sentence.
    standalone = attr == "tail" and (owner.tag in _BLOCKS or owner.tag == "br")
    if preceding and not standalone and not preceding.endswith(_SENTENCE_END):
        return ""
    if block is not root and not preceding:
        block.drop_tree()
    else:
        setattr(owner, attr, value[: match.start()].rstrip())
        if attr == "text" and owner is not root and not owner.text and len(owner) == 0:
            # An <em> that only held the tag goes, with the space before it.
            previous, parent = owner.getprevious(), owner.getparent()
            if previous is not None:
                previous.tail = (previous.tail or "").rstrip() or None
            else:
                parent.text = (parent.text or "").rstrip() or None
            owner.tail = None
            owner.drop_tree()
        elif attr == "tail" and owner.tag == "br" and not owner.tail:
            owner.drop_tree()  # the line break only introduced the tag
    return match["tag"].strip()


def _is_credit(tag: str) -> bool:
    # Short, no sentence punctuation, and a name ("Wirecast") or a domain ("RT.com").
    words = tag.split()
    if not words or len(words) > 5 or any(c in tag for c in "!?;:") or tag.endswith("."):
        return False
    if not any(c.isalpha() for c in tag):
        return False  # "(2)", "(2025)"
    return tag[0].isupper() or bool(_DOMAIN.match(tag))


def _text_segments_backwards(element):
    # Text as (element, "text" | "tail") pairs, last in document order first: the
    # credit tag is the last text, so the walk usually stops at the first step.
    for child in reversed(element):
        yield child, "tail"
        if isinstance(child.tag, str):
            yield from _text_segments_backwards(child)
    yield element, "text"


def teaser(lead_text: str, *, limit: int = 130) -> str:
    """Return lead_text cut at a word boundary near limit characters, with "..."."""
    text = _collapse(lead_text)
    if len(text) <= limit:
        return text
    cut = text[: limit + 1]
    space = cut.rfind(" ")
    # A single word longer than the limit is cut mid-word rather than dropped.
    cut = cut[:space] if space > 0 else text[:limit]
    return cut.rstrip(" ,;:.-–—") + "..."


def _collapse(text: str) -> str:
    return _SPACE.sub(" ", text).strip()


def _serialize(root) -> str:
    # The wrapper <div> is ours: emit only what is inside it.
    head = html_lib.escape(root.text or "", quote=False)
    return head + "".join(lxml.html.tostring(child, encoding="unicode") for child in root)


TEASER_CHARS = 130


def teaser_text(*, lead_raw: str, lead_text: str) -> str:
    """``PORT ELLIS, Westmark: The harbour board voted to ...``"""
    body = lead_text
    if lead_raw and body.startswith(lead_raw):
        body = body[len(lead_raw):].lstrip(" -\u2013\u2014")
    cut = teaser(body, limit=TEASER_CHARS)
    if not cut.endswith("..."):
        # A short story is shown whole: its own full stop gives way to the "..." (not "....").
        cut = cut.rstrip(" ,;:.-\u2013\u2014") + "..."
    return f"{lead_raw} {cut}" if lead_raw else cut

"""The normalize stage: a raw feed item (plus extracted page text) into a storable story.

Pure: the fetch time and the source's policy are passed in; no ORM, no settings, no clock.
"""

from __future__ import annotations

import datetime as dt
import html as htmlmod
import re

from wiredesk.core.sections import SECTIONS
from wiredesk.ingest.types import Extracted, Image, NormalizedItem, RawItem, SourcePolicy
from wiredesk.text.chars import xml_safe_all
from wiredesk.text.copies import signature_normalized
from wiredesk.text.dates import to_utc
from wiredesk.text.fingerprint import fingerprint_normalized, normalize_for_fingerprint, sha256_hex
from wiredesk.text.language import detect_language
from wiredesk.text.leads import parse_lead, split_story
from wiredesk.text.notes import join_notes, lift_html_notes, may_hold_notes, split_title
from wiredesk.text.sanitize import html_to_text, sanitize_html
from wiredesk.text.urls import canonical_url, is_http_url

LEAD_TEXT_CHARS = 600
EXCERPT_CHARS = 600
KNOWN_SECTIONS = SECTIONS
_TAGS = re.compile(r"<[^>]+>")
_SPACE = re.compile(r"\s+")


def plain(text: str) -> str:
    """Markup-free, entity-decoded, whitespace-collapsed text (titles, authors)."""
    return _SPACE.sub(" ", htmlmod.unescape(_TAGS.sub(" ", text or ""))).strip()


def item_link(raw: RawItem) -> str:
    """The item's canonical link, or "" when it has no usable http(s) link."""
    if raw.link:
        url = canonical_url(raw.link, base_url=raw.base_url)
        if is_http_url(url):
            return url
    return ""


def item_guid(raw: RawItem) -> str:
    """A stable identity: the GUID, else the canonical link, else a hash of title and date."""
    if raw.guid and raw.guid.strip():
        return raw.guid.strip()[:2000]
    link = item_link(raw)
    if link:
        return link
    stamp = raw.published.isoformat() if raw.published else ""
    return "urn:wiredesk:" + sha256_hex(f"{plain(raw.title)}\n{stamp}")


def needs_page(raw: RawItem, policy: SourcePolicy, *, always: bool) -> bool:
    """Whether the full text must come from the article page rather than the feed."""
    if not policy.full_text or not item_link(raw):
        return False
    return always or not raw.content_html.strip()


def section_for(categories: tuple[str, ...], policy: SourcePolicy) -> str:
    """Our section from the source's categories through its mapping."""
    mapping = {k.strip().casefold(): v for k, v in policy.section_map.items()}
    for category in categories:
        key = category.strip().casefold()
        if key in mapping:
            return mapping[key]
    for category in categories:
        key = category.strip().casefold()
        if key in KNOWN_SECTIONS:
            return key
    return policy.default_section


_HAS_TAG = re.compile(r"<[a-zA-Z!/]")


def as_html(body: str) -> str:
    """Feeds often carry plain-text summaries: make paragraphs of their blank-line blocks."""
    if _HAS_TAG.search(body):
        return body
    blocks = [b.strip() for b in re.split(r"\n\s*\n", body) if b.strip()]
    return "".join(f"<p>{b}</p>" for b in blocks)


def _images(raw: RawItem, extracted: Extracted | None, base: str | None) -> tuple[Image, ...]:
    """The feed's pictures, then the page's, one per canonical URL: a picture the feed names
    bare (an enclosure) and the page shows in a captioned figure gets the page's texts."""
    out: dict[str, Image] = {}
    for image in (*raw.images, *(extracted.images if extracted else ())):
        url = canonical_url(image.url, base_url=base) if image.url else ""
        if not is_http_url(url):
            continue
        clean = Image(url=url, caption=plain(image.caption)[:500], credit=plain(image.credit)[:300],
                      alt=plain(image.alt)[:500])
        seen = out.get(url)
        if seen is not None:
            clean = Image(url=url, caption=seen.caption or clean.caption, credit=seen.credit or clean.credit,
                          alt=seen.alt or clean.alt)
        elif len(out) >= 20:
            continue
        out[url] = clean
    return tuple(out.values())


def _excerpt(body_html: str, base: str | None) -> str:
    text = html_to_text(sanitize_html(body_html, base_url=base))
    if len(text) > EXCERPT_CHARS:
        text = text[:EXCERPT_CHARS].rsplit(" ", 1)[0] + "..."
    paragraphs = [p for p in text.split("\n") if p.strip()]
    return "".join(f"<p>{htmlmod.escape(p)}</p>" for p in paragraphs)


def _chosen_body(raw: RawItem, extracted: Extracted | None, *, policy: SourcePolicy,
                 base: str | None) -> tuple[str, list[str]]:
    """The body kept, sanitized: the extracted page, else the feed's content, else its summary;
    for an excerpt-only source the summary cut to length, with the wire's notes at either end
    lifted before the cut (a trailing one would be cut in half and read as story text)."""
    if extracted is not None and extracted.html.strip():
        body = extracted.html
    else:
        body = raw.content_html if raw.content_html.strip() else raw.summary_html
    if policy.full_text:
        return sanitize_html(as_html(body), base_url=base, link_rel=policy.link_rel), []
    summary = sanitize_html(as_html(raw.summary_html or body), base_url=base)
    summary, notes = lift_html_notes(summary) if may_hold_notes(html_to_text(summary)) else (summary, [])
    return _excerpt(summary, base), notes


def _story_parts(sanitized: str, *, base: str | None, notes: list[str]):
    """split_related, split_credit_tag and html_to_text over the body, parsing it once; the
    lead is the story's first paragraph, not the caption of a photo placed above it
    (story_text). The wire's notes ("REPEAT", "(Corrects ...)") at either end are lifted out
    before anything reads the body: the lead is the first paragraph of the story proper, and a
    trailing "(Adds quote)" is no credit tag. Looked for in the text first, so a body without
    notes (nearly all) is parsed once. Returns body, related, credit tag, text, story text and
    the notes."""
    body_html, related, credit_tag, text, story_text = split_story(sanitized, base_url=base)
    if may_hold_notes(text) or (credit_tag and may_hold_notes(f"({credit_tag})")):
        lifted, more_notes = lift_html_notes(sanitized)
        notes = notes + more_notes
        if more_notes:
            body_html, related, credit_tag, text, story_text = split_story(lifted, base_url=base)
    return body_html, related, credit_tag, text, story_text, notes


def normalize(
    raw: RawItem,
    *,
    policy: SourcePolicy,
    now: dt.datetime,
    extracted: Extracted | None = None,
    notes: tuple[str, ...] = (),
) -> NormalizedItem:
    """Sanitize, canonicalize, date and parse the lead of one item.

    Every field of the item comes out free of the characters no page, feed or email may hold
    (text.chars): wire copy and news releases alike pass here. They are removed from what
    arrives, and once more from what comes out, for the ones that markup spelled as character
    references (``&#1;``) and parsing turned into characters.
    """
    raw, extracted = xml_safe_all(raw), xml_safe_all(extracted)
    link = item_link(raw)
    base = link or raw.base_url
    body_html, excerpt_notes = _chosen_body(raw, extracted, policy=policy, base=base)
    body_html, related, credit_tag, text, story_text, notes_found = _story_parts(body_html, base=base,
                                                                                notes=excerpt_notes)
    first, _, _ = story_text.partition("\n")
    published = to_utc(raw.published or raw.updated or (extracted.published if extracted else None), now=now)
    lead, _rest = parse_lead(first, default_year=published.year)
    title, title_notes = split_title(plain(raw.title) or (plain(extracted.title) if extracted else ""))
    title = title or plain(first)[:120] or "(untitled)"
    updated = to_utc(raw.updated, now=now) if raw.updated else None
    lead_text = story_text[:LEAD_TEXT_CHARS]
    # Reduced once for both the exact fingerprint and the copy signature.
    title_words, text_words = normalize_for_fingerprint(title), normalize_for_fingerprint(text)
    return xml_safe_all(NormalizedItem(
        guid=item_guid(raw),
        canonical_url=link,
        title=title[:1000],
        body_html=body_html,
        lead_text=lead_text,
        author=plain(raw.author or (extracted.author if extracted else "")),
        published=published,
        updated=updated,
        lead=lead,
        credit_tag=credit_tag,
        related=related,
        section=section_for(raw.categories, policy),
        language=detect_language(f"{title}\n{text[:2000]}", hint=raw.language or policy.language),
        images=_images(raw, extracted, base),
        fingerprint=fingerprint_normalized(title_words, text_words),
        raw_hash=raw.raw_hash or sha256_hex(f"{raw.guid}\n{raw.title}\n{raw.content_html}\n{raw.summary_html}"),
        excerpt_only=not policy.full_text,
        notes=notes,
        text=text,
        editor_notes=join_notes(title_notes + notes_found),
        copy_signature=signature_normalized(title_words, text_words),
    ))

"""Publication of an approved news release: the same funnel as wire copy.

A release becomes a RawItem of the brand's "news releases" source and then takes the wire
path: normalize (the one sanitizer, with ``rel="sponsored noopener"`` on every link), a
dedup Decision, ``article_upsert`` and ``search_index_update``. So it shows in sections, the
rail, feeds, search and the daily email like any story, and nowhere a brand does not carry.

The contact block is written into the body only when the submitter asked for it
(``show_contact``); otherwise no part of it leaves the submission row.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import html
import logging
import posixpath
import re

import lxml.html
from django.db import transaction
from django.urls import reverse

from wiredesk.brands.models import BrandSource
from wiredesk.ingest.normalize import normalize
from wiredesk.ingest.types import Decision, Image, NormalizedItem, RawItem, SourcePolicy
from wiredesk.releases.models import Submission
from wiredesk.search.services import search_index_update
from wiredesk.sources.models import Source
from wiredesk.stories import selectors as story_selectors
from wiredesk.stories.models import Article
from wiredesk.stories.services import article_upsert
from wiredesk.stories.services.articles import article_fields, article_slug
from wiredesk.text.chars import one_line
from wiredesk.text.fingerprint import sha256_hex
from wiredesk.text.leads import parse_lead
from wiredesk.text.sanitize import SPONSORED_LINK_REL, html_to_text, parse_fragment, sanitize_html
from wiredesk.text.urls import is_http_url

log = logging.getLogger("wiredesk.releases")

LINK_REL = SPONSORED_LINK_REL  # promotional links say so (the rel values search engines read)
SOURCE_CREDIT = "News release"
# Where each category of release is shown (data on the source, editable in the admin).
CATEGORY_SECTIONS = {
    Submission.Category.BUSINESS: "business",
    Submission.Category.APPOINTMENT: "business",
    Submission.Category.SPORTS: "sports",
    Submission.Category.COMMUNITY: "local",
    Submission.Category.EVENT: "local",
    Submission.Category.OTHER: "local",
}
DEFAULT_SECTION = "local"

_HAS_TAG = re.compile(r"<[a-zA-Z!/]")  # the same test normalize uses for "is this HTML"
_BLANK_LINE = re.compile(r"\n\s*\n")
_NOT_TEXT = frozenset({"figure", "img", "br", "hr", "table"})


# --- the brand's releases source -----------------------------------------------------------

def _releases_feed_url(brand) -> str:
    """The unique, non-http identity of a brand's releases source (never fetched)."""
    return f"wiredesk:releases:{brand.pk}"


def _source_fields(brand) -> dict:
    return {
        "name": f"{brand.name} news releases"[:200],
        "kind": Source.Kind.RELEASES,
        "credit": SOURCE_CREDIT,
        "enabled": False,  # a releases source is never polled
        "licence": Source.Licence.FULL_TEXT,
        "section_map": {str(k): v for k, v in CATEGORY_SECTIONS.items()},
        "default_section": DEFAULT_SECTION,
        "language": brand.language or "",
    }


def releases_source(*, brand, create: bool = True) -> Source | None:
    """The brand's "news releases" source, linked to the brand; made on first use."""
    feed_url = _releases_feed_url(brand=brand)
    if not create:
        return Source.objects.filter(feed_url=feed_url).first()
    source, created = Source.objects.get_or_create(feed_url=feed_url, defaults=_source_fields(brand))
    if created:
        log.info("releases source created brand_id=%s source_id=%s", brand.pk, source.pk)
    BrandSource.objects.get_or_create(brand=brand, source=source)
    return source


def release_section(*, submission: Submission, source: Source | None = None) -> str:
    """The section from the category (through the source's map), one the brand shows."""
    shown = submission.brand.section_list
    if source is None:
        source = releases_source(brand=submission.brand, create=False)
    mapping = {str(k).casefold(): v for k, v in ((source.section_map if source else None) or CATEGORY_SECTIONS).items()}
    default = (source.default_section if source else "") or DEFAULT_SECTION
    wanted = mapping.get(submission.category, default)
    if wanted in shown:
        return wanted
    return DEFAULT_SECTION if DEFAULT_SECTION in shown else shown[0]


# --- the body ---------------------------------------------------------------------------------

def release_dateline(*, place: str) -> str:
    """``Port Ellis, Westmark`` -> ``PORT ELLIS, Westmark:``, in a form parse_lead recognises."""
    place = " ".join(place.split())
    if not place:
        return ""
    head, comma, tail = place.partition(",")
    tail = tail.strip()
    candidates = [f"{head.strip().upper()}, {tail}" if comma and tail else head.strip().upper(), place.upper()]
    for candidate in candidates:
        lead, _ = parse_lead(f"{candidate}: x")
        if lead.kind == "dateline":
            return f"{candidate}:"
    return f"{candidates[-1]}:"  # not a wire-style place; still shown where a dateline goes


def _text_paragraphs(text: str) -> str:
    """Plain text into <p> paragraphs (blank lines), single line breaks kept as <br>."""
    blocks = [b.strip() for b in _BLANK_LINE.split(text.replace("\r\n", "\n").replace("\r", "\n")) if b.strip()]
    return "".join("<p>" + "<br>".join(html.escape(line.strip()) for line in b.split("\n")) + "</p>" for b in blocks)


def _body_as_html(body: str) -> str:
    """The submitted body as HTML: the small subset as given, or plain-text paragraphs."""
    if _HAS_TAG.search(body or ""):
        return sanitize_html(body, link_rel=LINK_REL)
    return _text_paragraphs(body or "")


def _prefix_first_text(element, prefix: str) -> bool:
    if element.text and element.text.strip():
        element.text = prefix + element.text.lstrip()
        return True
    for child in element:
        if not isinstance(child.tag, str):
            continue
        if child.tag not in _NOT_TEXT and _prefix_first_text(child, prefix):
            return True
        if child.tail and child.tail.strip():
            child.tail = prefix + child.tail.lstrip()
            return True
    return False


def _with_dateline(body_html: str, place: str) -> str:
    """Open the story's first line with the dateline, unless it already has one."""
    line = release_dateline(place=place)
    first = html_to_text(body_html).partition("\n")[0]
    if not line or parse_lead(first)[0].kind == "dateline":
        return body_html
    root = parse_fragment(body_html)
    if root is None or not _prefix_first_text(root, line + " "):
        return f"<p>{html.escape(line)}</p>{body_html}"
    head = html.escape(root.text or "", quote=False)
    return head + "".join(lxml.html.tostring(child, encoding="unicode") for child in root)


def release_image_url(*, image) -> str:
    """The absolute path of a release image, served by the public releases view."""
    return reverse("release-image", args=[posixpath.basename(image.file.name)])


def _release_images(submission: Submission) -> tuple[Image, ...]:
    return tuple(
        Image(url=release_image_url(image=i), caption=one_line(i.caption)[:500], credit=one_line(i.credit)[:300])
        for i in submission.images.all()
    )


def _figure(image: Image) -> str:
    caption = html.escape(image.caption)
    credit = f" <small>{html.escape(image.credit)}</small>" if image.credit else ""
    inner = f"<figcaption>{caption}{credit}</figcaption>" if image.caption or image.credit else ""
    return f'<figure><img src="{html.escape(image.url)}" alt="{caption}">{inner}</figure>'


def _credited_name(submission: Submission) -> str:
    """Who the release is credited to: the organisation (a person's name only if shown)."""
    if submission.contact_organisation.strip():
        return one_line(submission.contact_organisation)
    if submission.show_contact:
        return one_line(submission.contact_name)
    return ""


def _contact_block(submission: Submission) -> str:
    people = (one_line(submission.contact_name), one_line(submission.contact_organisation))
    lines = [html.escape(v) for v in people if v]
    email = one_line(submission.contact_email)
    if email:
        lines.append(f'<a href="mailto:{html.escape(email)}">{html.escape(email)}</a>')
    if one_line(submission.contact_phone):
        lines.append(html.escape(one_line(submission.contact_phone)))
    return f"<h2>Media contact</h2><p>{'<br>'.join(lines)}</p>" if lines else ""


def _release_html(submission: Submission, images: tuple[Image, ...] = ()) -> str:
    """The release as story HTML (still to be sanitized by normalize like any feed body)."""
    parts = [_with_dateline(body_html=_body_as_html(body=submission.body), place=submission.dateline_place)]
    parts.extend(_figure(image) for image in images[1:])  # the first is the lead image
    if submission.about.strip():
        organisation = one_line(submission.contact_organisation)
        parts.append(f"<h2>About {html.escape(organisation or 'the organisation')}</h2>")
        parts.append(_text_paragraphs(submission.about))
    website = submission.website.strip()
    if website and is_http_url(website):
        shown = re.sub(r"^https?://", "", website).rstrip("/")
        parts.append(f'<p>Website: <a href="{html.escape(website)}">{html.escape(shown)}</a></p>')
    if submission.show_contact:
        parts.append(_contact_block(submission))
    return "".join(p for p in parts if p)


# --- the pipeline -------------------------------------------------------------------------------

def _release_guid(submission: Submission) -> str:
    return f"urn:wiredesk:release:{submission.key}"


def _release_policy(submission: Submission, source: Source) -> SourcePolicy:
    """The policy normalize sees: the source's, with the section the brand can show."""
    return SourcePolicy(
        credit=source.credit,
        home_url=source.home_url,
        full_text=True,
        section_map={submission.category: release_section(submission=submission, source=source)},
        default_section=release_section(submission=submission, source=source),
        language=source.language or submission.brand.language or None,
        link_rel=LINK_REL,
    )


def _release_item(submission: Submission, *, source: Source, now: dt.datetime) -> NormalizedItem:
    """Normalize a release exactly as publishing will (used by the moderator's preview too)."""
    images = _release_images(submission=submission)
    published = submission.published_at or now  # a re-publication keeps its first time
    raw = RawItem(
        guid=_release_guid(submission=submission),
        link=None,  # a release has no original elsewhere: its page here is canonical
        # RawItem fields are markup, as a feed gives them; the submitted text is plain.
        title=html.escape(submission.headline),
        content_html=_release_html(submission=submission, images=images),
        author=html.escape(_credited_name(submission=submission)),
        published=published,
        updated=now if submission.published_at else None,
        categories=(submission.category,),
        language=submission.brand.language or None,
    )
    item = normalize(raw, policy=_release_policy(submission=submission, source=source), now=now)
    # normalize keeps only http(s) image URLs (a feed's pictures live elsewhere); a release's
    # live here, at absolute paths that stay right on every host of the brand.
    return dataclasses.replace(item, images=images)


def _decision(submission: Submission, source: Source, item: NormalizedItem) -> Decision:
    article_id = submission.article_id
    if article_id is None or not Article.objects.filter(id=article_id, source_id=source.id).exists():
        found = story_selectors.candidates_by_guid(source_id=source.id, guid_keys=[sha256_hex(item.guid)])
        article_id = found[sha256_hex(item.guid)].id if found else None
    # Never marked a duplicate of wire copy: a hidden release would be a silent refusal.
    return Decision(action="update", article_id=article_id) if article_id else Decision(action="new")


def release_publish(*, submission: Submission, now: dt.datetime) -> Article:
    """Store the release as an article of the brand's releases source and mark it published."""
    with transaction.atomic():
        source = releases_source(brand=submission.brand)
        item = _release_item(submission=submission, source=source, now=now)
        decision = _decision(submission, source, item)
        article, action = article_upsert(item=item, source_id=source.id, decision=decision, find_copies=False)
        search_index_update(article_ids=[article.id])
        changes = {
            "article": article, "status": Submission.Status.PUBLISHED,
            "published_at": submission.published_at or now, "decided_at": submission.decided_at or now,
        }
        Submission.objects.filter(pk=submission.pk).update(**changes)
        for name, value in changes.items():
            setattr(submission, name, value)
    log.info("release published submission_id=%s article_id=%s action=%s", submission.pk, article.id, action)
    return article


def release_preview(*, submission: Submission, now: dt.datetime) -> Article:
    """An unsaved Article built by the publishing path, for the moderator's preview."""
    source = releases_source(brand=submission.brand, create=False)
    if source is None:  # not made until the first publication; a preview writes nothing
        source = Source(pk=0, feed_url=_releases_feed_url(brand=submission.brand), **_source_fields(submission.brand))
    item = _release_item(submission=submission, source=source, now=now)
    # The same field mapping as storing.
    article = Article(source=source, slug=article_slug(title=item.title), **article_fields(item=item))
    article.id = submission.article_id or 0
    article.first_seen_at = article.changed_at = now
    return article

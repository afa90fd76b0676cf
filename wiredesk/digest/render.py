"""How an edition looks: an HTML part with inlined CSS and a plain-text part, per section set.

Subscribers share a handful of section sets, so an edition is rendered once per set and the
sender swaps the two placeholders below for each recipient's signed links. Nothing here
knows a recipient.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Iterable

import css_inline
from django.conf import settings
from django.utils.text import Truncator
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from wiredesk.core.sections import SECTION_NAMES
from wiredesk.digest import links
from wiredesk.digest import schedule
from wiredesk.digest.content import edition_subject, editors_picks, select_stories, window
from wiredesk.digest.models import Edition
from wiredesk.stories.models import Article
from wiredesk.text.leads import teaser_text

UNSUBSCRIBE_MARK = "%%UNSUBSCRIBE_URL%%"
PREFERENCES_MARK = "%%PREFERENCES_URL%%"
DEFAULT_ACCENT = "#0b5394"
TEXT_WIDTH = 72

_ACCENT = re.compile(r"#[0-9a-fA-F]{6}")
_ARTICLE_FIELDS = ("id", "slug", "title", "lead_raw", "lead_text", "section", "source__credit")
# Remote stylesheets are never fetched: the template carries all its CSS, and the <style>
# block goes once its rules sit in style attributes (many mail clients drop <style>).
_INLINER = css_inline.CSSInliner(load_remote_stylesheets=False, keep_style_tags=False, keep_link_tags=False)


@dataclass(frozen=True)
class Parts:
    subject: str
    html: str
    text: str


def _inert(value: str) -> str:
    """One line of feed or brand text in which no placeholder can appear.

    A headline that spelled out a placeholder would otherwise receive the reader's own
    link from the sender; a zero-width space between the percent signs defuses it.
    """
    return " ".join(value.split()).replace("%%", "%\u200b%")


def _story(brand, article: Article) -> dict[str, str]:
    return {
        "title": _inert(article.title),
        "url": links.absolute(brand, reverse("article", args=[article.id, article.slug])),
        "teaser": _inert(teaser_text(lead_raw=article.lead_raw, lead_text=article.lead_text)),
        "credit": _inert(article.source.credit),
    }


def _tidy_text(text: str) -> str:
    """Trailing spaces off every line and at most one blank line in a row (template whitespace)."""
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip("\n") + "\n"


class EditionRenderer:
    """The parts of one edition for any set of sections, each set rendered once."""

    def __init__(self, *, brand, date: dt.date, stories: dict[str, list[int]], subject: str) -> None:
        self.brand = brand
        self.date = date
        self.subject = subject
        wanted = [article_id for ids in stories.values() for article_id in ids]
        found = (
            {a.id: a for a in Article.objects.filter(id__in=wanted, withdrawn_at__isnull=True).select_related("source").only(*_ARTICLE_FIELDS)}
            if wanted else {}
        )
        self._ids = set(found)
        # An article removed or killed since the edition was built is skipped, not fatal.
        self._stories = {
            section: [_story(brand, found[i]) for i in ids if i in found] for section, ids in stories.items()
        }
        self._memo: dict[frozenset[str], Parts | None] = {}

    def withdrawn_since(self) -> bool:
        """Whether an editor killed one of its stories after it was built (one read)."""
        return bool(self._ids) and Article.objects.filter(id__in=self._ids, withdrawn_at__isnull=False).exists()

    def parts(self, sections: Iterable[str]) -> Parts | None:
        """The email for a reader of ``sections``; None when none of them has a story."""
        key = frozenset(sections)
        if key not in self._memo:
            self._memo[key] = self._render(key)
        return self._memo[key]

    def _render(self, sections: frozenset[str]) -> Parts | None:
        chosen = [
            {"name": SECTION_NAMES.get(s, s.title()), "stories": self._stories[s]}
            for s in self.brand.section_list
            if s in sections and self._stories.get(s)
        ]
        if not chosen:
            return None
        accent = self.brand.accent_color if _ACCENT.fullmatch(self.brand.accent_color or "") else DEFAULT_ACCENT
        context = {
            "subject": self.subject,
            "brand_name": _inert(self.brand.name),
            "tagline": _inert(self.brand.tagline),
            "host": self.brand.primary_host,
            "home_url": links.absolute(self.brand, "/"),
            "language": self.brand.language or "en",
            "accent": accent,
            "date": self.date,
            "sections": chosen,
            "preheader": Truncator(" · ".join(s["stories"][0]["title"] for s in chosen)).chars(150),
            "preferences_url": PREFERENCES_MARK,
            "unsubscribe_url": UNSUBSCRIBE_MARK,
        }
        html = _short_lines(_INLINER.inline(render_to_string("digest/email/edition.html", context)))
        # The text template turns autoescaping off: it is text/plain, where an entity would
        # show as "&amp;" and markup is inert.
        text = _tidy_text(render_to_string("digest/email/edition.txt", context))
        return Parts(subject=self.subject, html=html, text=text)


_TAG_BOUNDARY = re.compile(r">(?=<)")
MAX_LINE = 900


def _short_lines(html: str) -> str:
    """Break lines longer than SMTP allows (998 octets) between tags, where a newline is inert.

    A longer line makes Django encode the part as quoted-printable, which both costs a pass
    over every message and breaks the placeholders the sender fills in per recipient.
    """
    if all(len(line.encode()) <= MAX_LINE for line in html.split("\n")):
        return html
    return "\n".join(
        _TAG_BOUNDARY.sub(">\n", line) if len(line.encode()) > MAX_LINE else line for line in html.split("\n")
    )


def preview_parts(brand, now: dt.datetime, sections: Iterable[str] | None = None) -> Parts | None:
    """The edition ``brand`` would send at ``now``, for ``sections`` (all the brand's when None)."""
    since, cutoff = window(brand, now)
    stories = select_stories(
        brand, since=since, cutoff=cutoff, per_section=settings.DIGEST["stories_per_section"],
    )
    if not stories:
        return None
    date = timezone.localtime(now, brand.tz).date()
    renderer = EditionRenderer(brand=brand, date=date, stories=stories, subject=edition_subject(brand, date))
    return renderer.parts(brand.section_list if sections is None else sections)


@dataclass(frozen=True)
class EditionPreview:
    """What the next edition would send now: its parts, and its stories by section."""

    parts: Parts | None
    sections: list[dict]  # [{"name": ..., "stories": [Article, ...]}] in the brand's order
    picks: frozenset[int]  # the editors' picks among them


def edition_preview(brand, now: dt.datetime) -> EditionPreview:
    """The edition ``brand`` would send at ``now`` for all its sections (sends nothing)."""
    since, cutoff = window(brand, now)
    stories = select_stories(brand, since=since, cutoff=cutoff, per_section=settings.DIGEST["stories_per_section"])
    if not stories:
        return EditionPreview(parts=None, sections=[], picks=frozenset())
    date = next_opening(brand, now).date()  # the edition this would be: its date and subject
    renderer = EditionRenderer(brand=brand, date=date, stories=stories, subject=edition_subject(brand, date))
    wanted = [i for ids in stories.values() for i in ids]
    found = Article.objects.filter(id__in=wanted).select_related("source").in_bulk()
    sections = [
        {"name": SECTION_NAMES.get(s, s.title()), "stories": [found[i] for i in stories[s] if i in found]}
        for s in brand.section_list if stories.get(s)
    ]
    return EditionPreview(parts=renderer.parts(brand.section_list), sections=sections,
                          picks=frozenset(editors_picks(brand, now)))


def next_opening(brand, now: dt.datetime) -> dt.datetime:
    """When the brand's next edition opens: today's hour if it is still ahead and today has no
    edition yet (one per day: "send now" may have made it early), else tomorrow's."""
    today = timezone.localtime(now, brand.tz).date()
    taken = set(Edition.objects.filter(brand=brand, date__gte=today).values_list("date", flat=True))
    for offset in range(0, 4):
        date = today + dt.timedelta(days=offset)
        start = schedule.due_at(date, brand.tz, brand.digest_hour)
        if start > now and date not in taken:
            return timezone.localtime(start, brand.tz)
    return timezone.localtime(schedule.due_at(today + dt.timedelta(days=4), brand.tz, brand.digest_hour), brand.tz)

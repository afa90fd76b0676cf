"""Wire copy of one issue: the lead, the body HTML (READ MORE, figure, credit tag), the summary.

Everything is escaped here; callers put the strings into XML or JSON, which escape again.
"""

from __future__ import annotations

import datetime as dt
import re
from html import escape

from wiredesk.demo.timeline import Issue

__all__ = [
    "article_url", "image_url", "lead_text", "body_html", "figure_html", "summary_text", "utc",
    "caption_date",
]

# Agency style for caption leads ("Nov. 29, 2026", "March 30, 2025").
_MONTHS = ("Jan.", "Feb.", "March", "April", "May", "June", "July", "Aug.", "Sept.", "Oct.", "Nov.", "Dec.")
_SENTENCE_END = re.compile(r"(?<=[.!?”])\s+(?=[A-Z“])")


def utc(ts: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(ts, dt.timezone.utc)


def caption_date(ts: int) -> str:
    day = utc(ts)
    return f"{_MONTHS[day.month - 1]} {day.day}, {day.year}"


def article_url(base: str, issue: Issue) -> str:
    return f"{base}/{issue.wire.key}/stories/{issue.slug}.html"


def image_url(base: str, name: str) -> str:
    return f"{base}/img/{name}.png"


def lead_text(issue: Issue) -> str:
    """The lead the wire puts before the first paragraph, with its separator."""
    story = issue.story
    if story.caption_place:
        day = utc(issue.published)
        return f"({day:%y%m%d}) -- {story.caption_place}, {caption_date(issue.published)} ({issue.wire.agency}) -- "
    if story.photo_credit:
        return f"(Photo credit: {story.photo_credit}) "
    return f"{story.dateline}: "


def _paragraphs(issue: Issue) -> list[str]:
    """Plain-text paragraphs of the story, lead included, plus the repeat note of a reissue."""
    first, *rest = issue.story.paragraphs
    paragraphs = [lead_text(issue) + first, *rest]
    if issue.cycle:
        first_day = utc(issue.first_issued)
        paragraphs.append(
            f"Editor's note: repeat no. {issue.cycle} of a story first issued on "
            f"{caption_date(issue.first_issued)} at {first_day:%H:%M} UTC."
        )
    return paragraphs


def figure_html(base: str, issue: Issue) -> str:
    image = issue.story.image
    if image is None:
        return ""
    return (
        f'<figure><img src="{escape(image_url(base, image.name))}" alt="{escape(image.caption)}"'
        f' width="480" height="270"><figcaption>{escape(image.caption)}'
        f' <small class="credit">Photo: {escape(image.credit)}</small></figcaption></figure>'
    )


def body_html(base: str, issue: Issue, *, figure: bool = False) -> str:
    """The full body as the wire sends it: paragraphs, READ MORE line, trailing credit tag."""
    parts = [figure_html(base, issue)] if figure else []
    paragraphs = _paragraphs(issue)
    read_more = issue.story.read_more
    for n, text in enumerate(paragraphs):
        parts.append(f"<p>{escape(text, quote=False)}</p>")
        if read_more and n == read_more[1]:
            target = next(s for s in issue.wire.stories if s.slug == read_more[0])
            slug = target.slug if issue.cycle == 0 else f"{target.slug}-r{issue.cycle}"
            url = f"{base}/{issue.wire.key}/stories/{slug}.html"
            parts.append(f'<p>READ MORE: <a href="{escape(url)}">{escape(target.title, quote=False)}</a></p>')
    if issue.wire.credit_tag_in_body:
        parts.append(f"<p>{escape(issue.wire.closing_credit, quote=False)}</p>")
    return "\n".join(p for p in parts if p)


def summary_text(issue: Issue) -> str:
    """A one-sentence standfirst: the lead and the first sentence of the story."""
    first = issue.story.paragraphs[0]
    sentence = _SENTENCE_END.split(first, maxsplit=1)[0]
    return lead_text(issue) + sentence

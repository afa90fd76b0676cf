"""Wire copy of one issue: the lead, the body HTML (READ MORE, figure, credit tag), the summary.

Everything is escaped here; callers put the strings into XML or JSON, which escape again.

A reissue (cycle 1 and later) is sent the way wires send them again, with an editor's note in
a paragraph of its own. Its kind follows a fixed rule (``note_kind``):

- on its first reissue a story with a ``revision`` in its pool sends that change: ``corrects``
  (a word fixed), ``adds`` (a new paragraph) or ``updates`` (a paragraph replaced, maybe a new
  headline), the note first: "(Corrects spelling of the harbourmaster's name in paragraph 2)".
  The revised text stays in every later cycle;
- every other reissue alternates, by story position plus cycle, between ``repeats`` (a last
  paragraph "(Repeats story first sent on Nov. 29, 2026 at 14:05 UTC; no change to text)",
  before the credit tag) and ``refiled`` (a first paragraph "Editor's note: ..."); one of the
  ``refiled`` notes says the headline was fixed, and its headline's punctuation changes.

Summaries carry the note too (first or last, as in the body), so the summary-only feed shows it.
"""

from __future__ import annotations

import datetime as dt
import re
from html import escape

from wiredesk.demo.timeline import Issue

__all__ = [
    "article_url", "image_url", "lead_text", "body_html", "figure_html", "summary_text", "utc",
    "caption_date", "headline", "note_kind", "note_text", "text_paragraphs", "NOTE_KINDS",
]

NOTE_KINDS = ("corrects", "adds", "updates", "repeats", "refiled")

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


def _index(issue: Issue) -> int:
    return issue.seq % len(issue.wire.stories)


def _repunctuate(title: str) -> str:
    """The same headline with its punctuation set differently ("" when it has none to change)."""
    if "'" in title:
        return title.replace("'", "\u2019")
    if "\u2019" in title:
        return title.replace("\u2019", "'")
    if ", " in title:
        return title.replace(", ", " - ", 1)
    if re.search(r"\w-\w", title):
        return re.sub(r"(\w)-(\w)", r"\1 \2", title, count=1)
    return ""


def _kind(story, index: int, cycle: int) -> str | None:
    if cycle == 0:
        return None
    if story.revision is not None and cycle == 1:
        return story.revision.kind
    return ("repeats", "refiled")[(index + cycle) % 2]


def note_kind(issue: Issue) -> str | None:
    """The kind of editor's note the issue carries (one of NOTE_KINDS), None on a first issue."""
    return _kind(issue.story, _index(issue), issue.cycle)


def _refiled_variant(story, index: int) -> int:
    variant = index % 3
    return 1 if variant == 0 and not _repunctuate(story.title) else variant


def note_text(issue: Issue) -> str | None:
    """The editor's note paragraph of a reissue, exactly as sent; None on a first issue."""
    kind = note_kind(issue)
    if kind is None:
        return None
    first = f"{caption_date(issue.first_issued)} at {utc(issue.first_issued):%H:%M} UTC"
    if kind == "repeats":
        return f"(Repeats story first sent on {first}; no change to text)"
    if kind == "refiled":
        return (
            "Editor's note: refiled to fix the punctuation of the headline; no change to the text.",
            f"Editor's note: this story was first sent on {first} and is sent again for clients who did not receive it.",
            "Editor's note: refiled to add a missing category code. The text is unchanged.",
        )[_refiled_variant(issue.story, _index(issue))]
    return issue.story.revision.note


def _headline(story, index: int, cycle: int) -> str:
    if cycle and story.revision is not None and story.revision.title:
        return story.revision.title
    if _kind(story, index, cycle) == "refiled" and _refiled_variant(story, index) == 0:
        return _repunctuate(story.title)
    return story.title


def headline(issue: Issue) -> str:
    """The headline of this issue: a revision's new one, or a refile's repunctuated one."""
    return _headline(issue.story, _index(issue), issue.cycle)


def text_paragraphs(issue: Issue) -> tuple[str, ...]:
    """The story's paragraphs as this issue sends them, without lead, note or READ MORE."""
    story = issue.story
    if issue.cycle and story.revision is not None:
        return story.revision.apply(story.paragraphs)
    return story.paragraphs


def _paragraphs(issue: Issue) -> list[str]:
    """Plain-text paragraphs of the story, lead included (no note)."""
    first, *rest = text_paragraphs(issue)
    return [lead_text(issue) + first, *rest]


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
    note, kind = note_text(issue), note_kind(issue)
    if note and kind != "repeats":
        parts.append(f"<p>{escape(note, quote=False)}</p>")
    paragraphs = _paragraphs(issue)
    read_more = issue.story.read_more
    after = read_more[1] if read_more else -1
    revision = issue.story.revision
    if read_more and issue.cycle and revision is not None and revision.kind == "adds" and revision.paragraph <= after:
        after += 1  # the new paragraph came before the READ MORE line
    for n, text in enumerate(paragraphs):
        parts.append(f"<p>{escape(text, quote=False)}</p>")
        if n == after:
            pool = issue.wire.stories
            index = next(i for i, s in enumerate(pool) if s.slug == read_more[0])
            target = pool[index]
            slug = target.slug if issue.cycle == 0 else f"{target.slug}-r{issue.cycle}"
            url = f"{base}/{issue.wire.key}/stories/{slug}.html"
            title = _headline(target, index, issue.cycle)
            parts.append(f'<p>READ MORE: <a href="{escape(url)}">{escape(title, quote=False)}</a></p>')
    if note and kind == "repeats":
        parts.append(f"<p>{escape(note, quote=False)}</p>")
    if issue.wire.credit_tag_in_body:
        parts.append(f"<p>{escape(issue.wire.closing_credit, quote=False)}</p>")
    return "\n".join(p for p in parts if p)


def summary_text(issue: Issue) -> str:
    """A one-sentence standfirst: the lead and the first sentence of the story, with a
    reissue's note where the body has it (first, or last for a repeat)."""
    first = text_paragraphs(issue)[0]
    summary = lead_text(issue) + _SENTENCE_END.split(first, maxsplit=1)[0]
    note = note_text(issue)
    if note is None:
        return summary
    return f"{summary} {note}" if note_kind(issue) == "repeats" else f"{note} {summary}"

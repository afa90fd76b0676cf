"""Revisions of an article: every replaced version kept, editors' corrections, upstream changes
weighed.

The article row is always the version shown; the versions it replaced are Revision rows, so
the history is the revisions in order and then the article. A source's update keeps the
version it replaces; when it changes LARGE_CHANGE or more of the body's words it is flagged for
an editor (a small one shows "Updated" on the page). An editor's correction (headline, body,
images, related links, with a public note) is kept the same way and then stands: the source's
later updates are stored as held revisions and flagged, never shown over it.
"""

from __future__ import annotations

import datetime as dt
import difflib

from django.db import transaction

from wiredesk.core.generation import content_changed
from wiredesk.stories.models import Article, AuditEntry, Revision
from wiredesk.text.sanitize import html_to_text, sanitize_html

LARGE_CHANGE = 0.3  # share of the body's words an upstream update changes from which an editor looks
LEAD_TEXT_CHARS = 600  # as normalize keeps it
NOTE_MAX = 1000
EXACT_WORDS = 3000  # longer bodies are compared by word pairs (linear) instead of difflib (quadratic)
DIFF_LINES = 400  # the history's diff shows at most this many lines of each version...
DIFF_LINE_CHARS = 1000  # ...each cut to this length: a hostile body cannot stall the page

# What readers see of an article: a change to any of these is a new version.
VISIBLE_FIELDS = frozenset({
    "title", "body_html", "lead_text", "images", "related", "body_chars", "lead_kind", "lead_raw", "dateline_place",
    "place_slug", "dateline_date", "agency", "photo_credit", "credit_tag", "editor_notes", "author", "excerpt_only",
    "section", "language",
})
SAME, REVISED, HELD = "same", "revised", "held"


class CorrectionError(ValueError):
    """A correction that cannot be made (the message says why)."""


def _pairs(words: list[str]) -> set[tuple[str, str]]:
    return set(zip(words, words[1:])) or set(words)


def change_share(*, old_html: str, new_html: str) -> float:
    """The share of the body that changed between two versions (0: the same, 1: nothing
    shared): difflib over the words, or for long bodies one minus the overlap of their word
    pairs, which grows linearly with the text."""
    old, new = html_to_text(old_html).split(), html_to_text(new_html).split()
    if not old and not new:
        return 0.0
    if len(old) <= EXACT_WORDS and len(new) <= EXACT_WORDS:
        return 1.0 - difflib.SequenceMatcher(None, old, new, autojunk=False).ratio()
    a, b = _pairs(old), _pairs(new)
    return 1.0 - len(a & b) / len(a | b)


def _kept(article: Article, *, at: dt.datetime, by: str = "") -> Revision:
    """The article's version as it stands, kept as a revision before it is replaced."""
    return Revision(
        article=article, number=article.revision, at=at, by=by,
        kind=Revision.Kind.EDITOR if article.editor_version else Revision.Kind.SOURCE,
        title=article.title, body_html=article.body_html, images=article.images, related=article.related,
        note=article.correction_note if article.editor_version else "",
    )


def _visible(values) -> tuple:
    get = values.get if isinstance(values, dict) else lambda k: getattr(values, k)
    return tuple(get(k) for k in ("title", "body_html", "images", "related"))


def upstream_update(*, article: Article, fields: dict, at: dt.datetime) -> str:
    """Weigh a source's update of ``article`` (locked by the caller) before it is written.

    HELD: an editor's correction stands; the update is kept as a held revision (once: the same
    upstream version again adds nothing) and flagged, and must not be shown. REVISED: what
    readers see changes; the version it replaces is kept, a large change is flagged. SAME:
    only what readers do not see changed (a GUID, a time, the raw bytes)."""
    if article.editor_version:
        # Compared with the source's newest version, held or not: an update of what readers do
        # not see is no new version behind a correction either.
        newest = article.revisions.filter(kind=Revision.Kind.SOURCE).order_by("-id").first()
        if newest is None or _visible(newest) != _visible(fields):
            Revision.objects.create(
                article=article, number=article.revision + 1, kind=Revision.Kind.SOURCE, held=True, at=at,
                title=fields["title"], body_html=fields["body_html"], images=fields["images"], related=fields["related"],
            )
            article.flag = "The source updated it after an editor's correction; the correction stays shown."
            article.flagged_at = at
        return HELD
    if all(getattr(article, k) == v for k, v in fields.items() if k in VISIBLE_FIELDS):
        return SAME
    _kept(article, at=at).save()
    share = change_share(old_html=article.body_html, new_html=fields["body_html"])
    if share >= LARGE_CHANGE:
        article.flag = f"The source changed {share:.0%} of the text in an update."
        article.flagged_at = at
    return REVISED


@transaction.atomic
def article_correct(*, article: Article, title: str, body_html: str, note: str, by: str, at: dt.datetime,
                    images: list | None = None, related: list | None = None, link_rel: str | None = None) -> Article:
    """An editor's correction with its public note; the version it replaces is kept."""
    note = " ".join((note or "").split())
    title = " ".join((title or "").split())
    if not note:
        raise CorrectionError("A correction needs a note for readers: say what was corrected.")
    if len(note) > NOTE_MAX:
        raise CorrectionError(f"The note is too long ({len(note)} characters; at most {NOTE_MAX}).")
    if not title:
        raise CorrectionError("The headline cannot be empty.")
    body = sanitize_html(body_html or "", link_rel=link_rel)  # the allowlist wire copy goes through
    text = html_to_text(body)
    if not text.strip():
        raise CorrectionError("The body cannot be empty.")
    article = Article.objects.select_for_update().get(id=article.id)
    _kept(article, at=at, by=by).save()
    article.title, article.body_html = title[:1000], body
    article.lead_text, article.body_chars = text[:LEAD_TEXT_CHARS], len(text)
    if images is not None:
        article.images = images
    if related is not None:
        article.related = related
    article.corrected_at, article.correction_note, article.editor_version = at, note, True
    article.revised_at = at
    article.flag, article.flagged_at = "", None
    article.revision += 1
    article.save()
    AuditEntry.objects.create(at=at, who=by, action=AuditEntry.Action.CORRECT, article=article, title=title,
                              story_id=article.story_id, reason=note, detail={"revision": article.revision})
    transaction.on_commit(content_changed)
    return article


@transaction.atomic
def held_accept(*, article: Article, by: str, at: dt.datetime) -> Article:
    """Show the source's newest held update in place of an editor's version, with no new
    correction: the correction note stays on record (the source may have made the same fix),
    the editor's version is kept as a revision, and the source's later updates are shown again."""
    article = Article.objects.select_for_update().get(id=article.id)
    held = article.revisions.filter(kind=Revision.Kind.SOURCE, held=True).order_by("-id").first()
    if not article.editor_version or held is None:
        raise CorrectionError("No update of the source is held back for this article.")
    _kept(article, at=at, by=by).save()
    text = html_to_text(held.body_html)
    article.title, article.body_html, article.images, article.related = held.title, held.body_html, held.images, held.related
    article.lead_text, article.body_chars = text[:LEAD_TEXT_CHARS], len(text)
    article.editor_version = False
    article.revised_at = at
    article.flag, article.flagged_at = "", None
    article.revision += 1
    article.save()
    # The accepted version is the article now: its held row would be the same version twice.
    # Older held ones stay in the history as versions the source sent, no longer waiting.
    held.delete()
    article.revisions.filter(held=True).update(held=False)
    AuditEntry.objects.create(at=at, who=by, action=AuditEntry.Action.ACCEPT, article=article, title=article.title,
                              story_id=article.story_id, reason="the source's update replaces the editor's version",
                              detail={"revision": article.revision, "source_version_at": held.at.isoformat()})
    transaction.on_commit(content_changed)
    return article


def history(*, article: Article) -> list[dict]:
    """Every version in order, the shown one last: number, kind, when, who, title, body, note."""
    versions = [
        {"number": r.number, "kind": r.get_kind_display(), "held": r.held, "at": r.at, "by": r.by, "title": r.title,
         "body_html": r.body_html, "note": r.note, "key": f"r{r.id}"}
        for r in article.revisions.order_by("number", "id")
    ]
    versions.append({"number": article.revision, "kind": "shown now", "held": False,
                     "at": article.revised_at or article.first_seen_at, "by": "", "title": article.title,
                     "body_html": article.body_html, "note": article.correction_note, "key": "current"})
    return versions


def _lines(version: dict) -> list[str]:
    lines = [version["title"], "", *html_to_text(version["body_html"]).splitlines()][:DIFF_LINES]
    return [line[:DIFF_LINE_CHARS] for line in lines]


def diff_table(*, a: dict, b: dict) -> str:
    """A side-by-side diff of two versions' headline and text, line by line (escaped HTML; at
    most DIFF_LINES lines of DIFF_LINE_CHARS each)."""
    left, right = _lines(a), _lines(b)
    return difflib.HtmlDiff(wrapcolumn=70).make_table(
        left, right, fromdesc=f"Revision {a['number']} ({a['kind']})", todesc=f"Revision {b['number']} ({b['kind']})",
        context=True, numlines=2,
    )

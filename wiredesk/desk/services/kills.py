"""Kills and their undoing: one action each, whoever asks (the admin, the command
line, a script).

A kill takes an article off every surface at once, with every stored copy of its text (the
same copy through another wire, a reissue): lists, the rail, feeds, sitemaps, search and
editions not yet sent read articles through stories.selectors.articles_carried, which leaves
withdrawn ones out, and the page cache starts a new generation on commit. Its search rows
are dropped. What it remembers keeps it dead when it comes back (see
stories.services.takedowns). Each action is written to the audit log with who and why.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from wiredesk.desk.models import AuditEntry
from wiredesk.search.services import search_index_update
from wiredesk.stories.models import Article, Story, Takedown
from wiredesk.stories.selectors import copy_group
from wiredesk.stories.services.takedowns import takedown_create, takedown_undo

REASON_MAX = 2000


class DeskError(ValueError):
    """An editor's request that cannot be carried out (the message says why)."""


def _reason(reason: str) -> str:
    reason = " ".join((reason or "").split())
    if not reason:
        raise DeskError("A kill needs a reason: say why the article is taken down.")
    if len(reason) > REASON_MAX:
        raise DeskError(f"The reason is too long ({len(reason)} characters; at most {REASON_MAX}).")
    return reason


def _with_copies(ids: list[int]) -> list[Article]:
    """The articles and every stored copy of their texts, not yet withdrawn."""
    every: set[int] = set()
    for article_id in ids:
        every.update(copy_group(article_id=article_id))
    return list(Article.objects.filter(id__in=every, withdrawn_at__isnull=True).order_by("id"))


def article_kill(*, article: Article, reason: str, by: str) -> Takedown:
    """Withdraw an article and every copy of its text; refused for one already withdrawn."""
    reason = _reason(reason)
    if article.withdrawn_at is not None:
        raise DeskError(f"Article {article.id} is already withdrawn.")
    now = timezone.now()
    with transaction.atomic():
        articles = _with_copies([article.id])
        takedown = takedown_create(articles=articles, named=article, reason=reason, by=by, at=now)
        AuditEntry.objects.create(at=now, who=by, action=AuditEntry.Action.KILL, article=article, takedown=takedown,
                                  story_id=article.story_id, title=article.title, reason=reason,
                                  detail={"articles": [a.id for a in articles]})
        search_index_update(article_ids=[a.id for a in articles])
    return takedown


def story_kill(*, story: Story, reason: str, by: str) -> Takedown:
    """Withdraw every member of a story (and every copy of their texts)."""
    reason = _reason(reason)
    members = list(Article.objects.filter(story=story).order_by("published_at", "id").values_list("id", flat=True))
    if not members:
        raise DeskError(f"Story {story.id} has no members to kill.")
    now = timezone.now()
    with transaction.atomic():
        articles = _with_copies(members)
        if not articles:
            raise DeskError(f"Every member of story {story.id} is already withdrawn.")
        named = story.lead if story.lead_id in {a.id for a in articles} else articles[0]
        takedown = takedown_create(articles=articles, named=named, reason=reason, by=by, at=now, story_id=story.id)
        AuditEntry.objects.create(at=now, who=by, action=AuditEntry.Action.KILL, article=named, takedown=takedown,
                                  story_id=story.id, title=named.title, reason=reason,
                                  detail={"story": story.id, "articles": [a.id for a in articles]})
        search_index_update(article_ids=[a.id for a in articles])
    return takedown


def article_unkill(*, article: Article, by: str, reason: str = "") -> list[int]:
    """Undo the kill that withdrew an article: it and everything that kill withdrew come back
    (copies stored withdrawn since included). Returns their ids."""
    if article.withdrawn_at is None or article.takedown_id is None:
        raise DeskError(f"Article {article.id} is not withdrawn.")
    takedown = article.takedown
    now = timezone.now()
    with transaction.atomic():
        ids = takedown_undo(takedown=takedown, by=by, at=now)
        AuditEntry.objects.create(at=now, who=by, action=AuditEntry.Action.UNKILL, article=article, takedown=takedown,
                                  story_id=takedown.story_id, title=article.title, reason=" ".join(reason.split()),
                                  detail={"articles": ids})
        search_index_update(article_ids=ids)
    return ids

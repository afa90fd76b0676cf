"""Kills and their undoing, as the desk asks for them: one action each, whoever asks (the
admin, the command line, a script).

The stories side (stories.services.takedowns) withdraws the articles with every stored copy of
their texts, remembers them so they never come back, and writes the audit log; this side
checks the request (a reason is required) and drops or restores the articles' search rows in
the same transaction. Lists, the rail, feeds, sitemaps, search and editions not yet sent read
articles through stories.selectors.articles_carried, which leaves withdrawn ones out, and the
page cache starts a new generation on commit.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from wiredesk.search.services import search_index_update
from wiredesk.stories.models import Article, Story, Takedown
from wiredesk.stories.services.takedowns import TakedownError, takedown_create, takedown_undo

REASON_MAX = 2000


class DeskError(ValueError):
    """An editor's request that cannot be carried out (the message says why)."""


def _reason(reason: str, *, required: bool = True) -> str:
    reason = " ".join((reason or "").split())
    if required and not reason:
        raise DeskError("A kill needs a reason: say why the article is taken down.")
    if len(reason) > REASON_MAX:
        raise DeskError(f"The reason is too long ({len(reason)} characters; at most {REASON_MAX}).")
    return reason


def article_kill(*, article: Article, reason: str, by: str) -> Takedown:
    """Withdraw an article and every copy of its text; refused for one already withdrawn."""
    reason = _reason(reason)
    try:
        with transaction.atomic():
            takedown = takedown_create(article_ids=[article.id], named=article, reason=reason, by=by,
                                       at=timezone.now())
            search_index_update(article_ids=takedown.articles.values_list("id", flat=True))
    except TakedownError as exc:
        raise DeskError(str(exc)) from None
    return takedown


def story_kill(*, story: Story, reason: str, by: str) -> Takedown:
    """Withdraw every member of a story (and every copy of their texts); later reports filed in
    the story are withdrawn with it until the kill is undone."""
    reason = _reason(reason)
    members = list(Article.objects.filter(story=story).order_by("published_at", "id").values_list("id", flat=True))
    if not members:
        raise DeskError(f"Story {story.id} has no members to kill.")
    named = story.lead or Article.objects.get(id=members[0])
    try:
        with transaction.atomic():
            takedown = takedown_create(article_ids=members, named=named, reason=reason, by=by, at=timezone.now(),
                                       story_id=story.id)
            search_index_update(article_ids=takedown.articles.values_list("id", flat=True))
    except TakedownError as exc:
        raise DeskError(str(exc)) from None
    return takedown


def article_unkill(*, article: Article, by: str, reason: str = "") -> list[int]:
    """Undo the kill that withdrew an article: it and everything that kill withdrew come back
    (copies stored withdrawn since included), unless another kill also covers them. Returns
    the ids brought back."""
    reason = _reason(reason, required=False)
    if article.withdrawn_at is None or article.takedown_id is None:
        raise DeskError(f"Article {article.id} is not withdrawn.")
    try:
        with transaction.atomic():
            ids = takedown_undo(takedown=article.takedown, by=by, at=timezone.now(), named=article, reason=reason)
            search_index_update(article_ids=ids)
    except TakedownError as exc:
        raise DeskError(str(exc)) from None
    return ids

"""Kills of stored copy, and their undoing: the stories side of a takedown.

A kill withdraws articles (``withdrawn_at``, ``takedown``) with every stored copy of their
texts: every surface reads articles through stories.selectors.articles_carried, which leaves
withdrawn ones out, and the article page answers 410. What it remembers (KillKey rows: each
article's source and GUID, its canonical URL, its content fingerprint) outlives the rows, so
article_upsert stores a copy that comes back by any of those routes withdrawn too, under the
same takedown; a story killed whole takes later members of that story with it. Each kill and
undo writes an AuditEntry (who, when, why, which articles).

Two keys are remembered only when they name one story: a fingerprint of a body long enough
to be one text (a headline-only item's is shared by unrelated items of a template), and a
canonical URL with a path that no other stored item shares (a feed that links every item to
its home page, or a live blog whose items share one address, would otherwise kill every
later item).
"""

from __future__ import annotations

import datetime as dt
from typing import Iterable
from urllib.parse import urlsplit

from django.db import transaction

from wiredesk.core.generation import content_changed
from wiredesk.stories.models import Article, AuditEntry, KillKey, Takedown
from wiredesk.stories.selectors import copy_group
from wiredesk.stories.services.placing import story_place

FINGERPRINT_MIN_CHARS = 200  # bodies shorter than this do not remember their fingerprint


class TakedownError(ValueError):
    """A kill or undo that cannot be carried out (the message says why)."""


def _keys(takedown: Takedown, articles: list[Article]) -> list[KillKey]:
    ids = [a.id for a in articles]
    guids = {(a.source_id, a.guid_key) for a in articles}
    seen: set[tuple] = set()
    keys = []
    for a in articles:
        wanted = [(KillKey.Kind.GUID, a.guid_key, a.source_id)]
        if a.url_key and urlsplit(a.canonical_url).path.strip("/"):
            shared = (Article.objects.filter(url_key=a.url_key).exclude(id__in=ids)
                      .values_list("source_id", "guid_key"))
            if not any(pair not in guids for pair in shared):
                wanted.append((KillKey.Kind.URL, a.url_key, None))
        if a.fingerprint and a.body_chars >= FINGERPRINT_MIN_CHARS:
            wanted.append((KillKey.Kind.FINGERPRINT, a.fingerprint, None))
        for kind, key, source_id in wanted:
            if (kind, key, source_id) not in seen:
                seen.add((kind, key, source_id))
                keys.append(KillKey(takedown=takedown, kind=kind, key=key, source_id=source_id))
    return keys


@transaction.atomic
def takedown_create(*, article_ids: Iterable[int], named: Article, reason: str, by: str, at: dt.datetime,
                    story_id: int | None = None) -> Takedown:
    """Withdraw the articles and every stored copy of their texts (those not withdrawn already),
    remember them, and write the audit entry; ``named`` is the article the request named (or a
    story's lead). Refused (TakedownError) when there is nothing left to withdraw."""
    every: set[int] = set()
    for article_id in article_ids:
        every.update(copy_group(article_id=article_id))
    # Locked, then read: two kills of one article at once withdraw it once.
    articles = list(Article.objects.select_for_update().filter(id__in=every, withdrawn_at__isnull=True).order_by("id"))
    if not articles and story_id is None:  # a story killed whole still holds for its later reports
        raise TakedownError(f"Article {named.id} is already withdrawn.")
    if story_id is not None and story_takedown(story_id=story_id) is not None:
        raise TakedownError(f"Story {story_id} is already killed.")
    takedown = Takedown.objects.create(title=named.title, article=named, story_id=story_id, reason=reason, by=by, at=at)
    KillKey.objects.bulk_create(_keys(takedown, articles))
    ids = [a.id for a in articles]
    Article.objects.filter(id__in=ids).update(withdrawn_at=at, takedown=takedown, changed_at=at)
    AuditEntry.objects.create(at=at, who=by, action=AuditEntry.Action.KILL, article=named, takedown=takedown,
                              story_id=story_id if story_id is not None else named.story_id, title=named.title,
                              reason=reason, detail={"articles": ids, **({"story": story_id} if story_id else {})})
    transaction.on_commit(content_changed)
    return takedown


def _still_killed(article: Article, undoing: Takedown) -> Takedown | None:
    """Another live kill that covers ``article`` (its keys, or its story killed whole)."""
    other = takedown_matching(source_id=article.source_id, guid_key=article.guid_key, url_key=article.url_key,
                              fingerprint=article.fingerprint, excluding=undoing.id)
    if other is None and article.story_id is not None:
        other = story_takedown(story_id=article.story_id, excluding=undoing.id)
    return other


@transaction.atomic
def takedown_undo(*, takedown: Takedown, by: str, at: dt.datetime, named: Article | None = None,
                  reason: str = "") -> list[int]:
    """Bring back every article the takedown withdrew (copies stored withdrawn since included),
    except those another live kill also covers (they move under it). Returns the ids brought
    back. Refused (TakedownError) for a takedown already undone."""
    takedown = Takedown.objects.select_for_update().get(id=takedown.id)
    if takedown.undone_at is not None:
        raise TakedownError(f"That kill was already undone ({takedown.undone_by}).")
    takedown.undone_at, takedown.undone_by = at, by
    takedown.save(update_fields=["undone_at", "undone_by"])
    restored, kept = [], []
    for article in Article.objects.select_for_update().filter(takedown=takedown).order_by("id"):
        other = _still_killed(article, takedown)
        if other is not None:
            Article.objects.filter(id=article.id).update(takedown=other, changed_at=at)
            kept.append(article.id)
        else:
            restored.append(article.id)
    Article.objects.filter(id__in=restored).update(withdrawn_at=None, takedown=None, changed_at=at)
    # Copies stored withdrawn were never filed in a story: they are now, oldest first.
    for article in Article.objects.filter(id__in=restored, story__isnull=True).order_by("published_at", "id"):
        story_place(article=article)
    named = named or takedown.article
    AuditEntry.objects.create(at=at, who=by, action=AuditEntry.Action.UNKILL, article=named, takedown=takedown,
                              story_id=takedown.story_id, title=named.title if named else takedown.title,
                              reason=reason, detail={"articles": restored, **({"still_killed": kept} if kept else {})})
    transaction.on_commit(content_changed)
    return restored


class KillLookup:
    """The live kill keys among a set of copies' keys, read once (a write batch's, or one
    article's): which takedown, if any, remembers a copy by one of its routes."""

    def __init__(self, keys: Iterable[str]) -> None:
        wanted = sorted({k for k in keys if k})
        self._rows = list(KillKey.objects.filter(key__in=wanted, takedown__undone_at__isnull=True)
                          .values_list("kind", "key", "source_id", "takedown_id")) if wanted else []

    def matching(self, *, source_id: int, guid_key: str, url_key: str, fingerprint: str,
                 excluding: int | None = None) -> Takedown | None:
        for kind, key, key_source, takedown_id in self._rows:
            if takedown_id == excluding:
                continue
            if ((kind == KillKey.Kind.GUID and key == guid_key and key_source == source_id)
                    or (kind == KillKey.Kind.URL and key == url_key)
                    or (kind == KillKey.Kind.FINGERPRINT and key == fingerprint)):
                return Takedown.objects.get(id=takedown_id)
        return None


def takedown_matching(*, source_id: int, guid_key: str, url_key: str, fingerprint: str,
                      excluding: int | None = None, lookup: KillLookup | None = None) -> Takedown | None:
    """The live takedown that remembers this copy by any route, if one does (one indexed
    read per new article, or none with a ``lookup`` already read for its batch)."""
    if lookup is None:
        lookup = KillLookup((guid_key, url_key, fingerprint))
    return lookup.matching(source_id=source_id, guid_key=guid_key, url_key=url_key, fingerprint=fingerprint,
                           excluding=excluding)


def story_takedown(*, story_id: int, excluding: int | None = None) -> Takedown | None:
    """The live kill of a whole story, if it was killed."""
    return (Takedown.objects.filter(story_id=story_id, undone_at__isnull=True).exclude(id=excluding)
            .order_by("-at", "-id").first())


def stories_killed(*, story_ids: Iterable[int]) -> dict[int, Takedown]:
    """The live whole-story kills among these stories, by story id (one read)."""
    ids = set(story_ids)
    if not ids:
        return {}
    found: dict[int, Takedown] = {}
    for takedown in Takedown.objects.filter(story_id__in=ids, undone_at__isnull=True).order_by("at", "id"):
        found[takedown.story_id] = takedown  # the latest wins
    return found


def article_withdraw_under(*, article: Article, takedown: Takedown, at: dt.datetime) -> None:
    """Withdraw an article that turned out to fall under an existing kill (a copy sent again
    as an update, a new member of a story killed whole)."""
    Article.objects.filter(id=article.id, withdrawn_at__isnull=True).update(withdrawn_at=at, takedown=takedown,
                                                                            changed_at=at)
    article.withdrawn_at, article.takedown = at, takedown
    transaction.on_commit(content_changed)

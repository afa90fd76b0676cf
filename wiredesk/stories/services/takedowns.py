"""Kills of stored copy, and their undoing: the stories side of a takedown.

A kill withdraws articles (``withdrawn_at``, ``takedown``): every surface reads articles
through stories.selectors.articles_carried, which leaves withdrawn ones out, and the article
page answers 410. What it remembers (KillKey rows: each article's source and GUID, its
canonical URL, its content fingerprint) outlives the rows, so article_upsert stores a copy
that comes back by any of those routes withdrawn too, under the same takedown.

Two keys are remembered only when they name one story: a fingerprint of a body long enough
to be one text (a headline-only item's is shared by unrelated items of a template), and a
canonical URL with a path (a feed that links every item to its home page would otherwise
kill every later item).
"""

from __future__ import annotations

import datetime as dt
from typing import Iterable
from urllib.parse import urlsplit

from django.db import transaction

from wiredesk.core.generation import content_changed
from wiredesk.stories.models import Article, KillKey, Takedown
from wiredesk.stories.services.placing import story_place

FINGERPRINT_MIN_CHARS = 200  # bodies shorter than this do not remember their fingerprint


def _keys(takedown: Takedown, articles: Iterable[Article]) -> list[KillKey]:
    seen: set[tuple] = set()
    keys = []
    for a in articles:
        wanted = [(KillKey.Kind.GUID, a.guid_key, a.source_id)]
        if a.url_key and urlsplit(a.canonical_url).path.strip("/"):
            wanted.append((KillKey.Kind.URL, a.url_key, None))
        if a.fingerprint and a.body_chars >= FINGERPRINT_MIN_CHARS:
            wanted.append((KillKey.Kind.FINGERPRINT, a.fingerprint, None))
        for kind, key, source_id in wanted:
            if (kind, key, source_id) not in seen:
                seen.add((kind, key, source_id))
                keys.append(KillKey(takedown=takedown, kind=kind, key=key, source_id=source_id))
    return keys


@transaction.atomic
def takedown_create(*, articles: list[Article], named: Article, reason: str, by: str, at: dt.datetime,
                    story_id: int | None = None) -> Takedown:
    """Withdraw ``articles`` (those not withdrawn already) and remember them; ``named`` is the
    article the editor chose (or a story's lead). Returns the takedown."""
    takedown = Takedown.objects.create(title=named.title, article=named, story_id=story_id, reason=reason, by=by, at=at)
    KillKey.objects.bulk_create(_keys(takedown, articles))
    Article.objects.filter(id__in=[a.id for a in articles], withdrawn_at__isnull=True).update(
        withdrawn_at=at, takedown=takedown, changed_at=at,
    )
    transaction.on_commit(content_changed)
    return takedown


@transaction.atomic
def takedown_undo(*, takedown: Takedown, by: str, at: dt.datetime) -> list[int]:
    """Bring back every article the takedown withdrew (copies stored withdrawn since
    included) and forget its keys' power; returns the ids brought back."""
    takedown = Takedown.objects.select_for_update().get(id=takedown.id)
    if takedown.undone_at is not None:
        return []
    takedown.undone_at, takedown.undone_by = at, by
    takedown.save(update_fields=["undone_at", "undone_by"])
    ids = list(Article.objects.filter(takedown=takedown).values_list("id", flat=True))
    Article.objects.filter(id__in=ids).update(withdrawn_at=None, takedown=None, changed_at=at)
    # Copies stored withdrawn were never filed in a story: they are now, oldest first.
    for article in Article.objects.filter(id__in=ids, story__isnull=True).order_by("published_at", "id"):
        story_place(article=article)
    transaction.on_commit(content_changed)
    return ids


def takedown_matching(*, source_id: int, guid_key: str, url_key: str, fingerprint: str) -> Takedown | None:
    """The live takedown that remembers this copy by any route, if one does (one indexed
    read per new article)."""
    wanted = [k for k in (guid_key, url_key, fingerprint) if k]
    rows = (KillKey.objects.filter(key__in=wanted, takedown__undone_at__isnull=True)
            .values_list("kind", "key", "source_id", "takedown_id"))
    for kind, key, key_source, takedown_id in rows:
        if ((kind == KillKey.Kind.GUID and key == guid_key and key_source == source_id)
                or (kind == KillKey.Kind.URL and key == url_key)
                or (kind == KillKey.Kind.FINGERPRINT and key == fingerprint)):
            return Takedown.objects.get(id=takedown_id)
    return None

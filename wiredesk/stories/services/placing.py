"""The clustering stage: file each newly stored article in the story of its event.

Runs in the store stage's transaction, in a savepoint of its own (an article whose placement
fails stays stored, without a story, and ``wiredesk stories_backfill`` places it later). A copy
of another article (``duplicate_of``: the same text through another wire, or a reissue) joins
its original's story without a vote; everything else goes through
wiredesk.stories.clustering over the database store. An article an editor pinned is never
moved, and stories an editor split apart are never merged again (clustering.place honours the
stories' ``apart`` lists).
"""

from __future__ import annotations

import logging

from django.db import connection, transaction

from wiredesk.stories import clustering
from wiredesk.stories.clusterdb import DatabaseStore, cluster_lock, final_story_id, item_for
from wiredesk.sources.models import Source
from wiredesk.stories.models import Article, Story
from wiredesk.stories.clustering import lead_rank
from wiredesk.stories.services.stories import story_merge, story_refresh
from wiredesk.text.dates import epoch_day

log = logging.getLogger("wiredesk.stories")

def _absorb(story_id: int, article: Article) -> None:
    """A story's summary after one more member: what story_refresh computes, without reading
    every member again."""
    row = (Story.objects.filter(id=story_id)
           .values("size", "first_seen_at", "last_updated_at", "lead_id", "lead__body_chars", "lead__published_at")
           .first())
    moment = article.published_at
    if row is None:
        return
    if not row["size"]:  # a new story: this is its first member
        Story.objects.filter(id=story_id).update(
            size=1, first_seen_at=moment, last_updated_at=moment, first_day=epoch_day(moment), last_day=epoch_day(moment),
            lead_id=article.id,
        )
        return
    if row["lead_id"] is None:
        story_refresh(story=Story.objects.get(id=story_id))
        return
    first, last = min(row["first_seen_at"], moment), max(row["last_updated_at"], moment)
    lead = row["lead_id"]
    if lead_rank(article.body_chars, moment, article.id) < lead_rank(row["lead__body_chars"], row["lead__published_at"], lead):
        lead = article.id
    Story.objects.filter(id=story_id).update(
        size=row["size"] + 1, first_seen_at=first, last_updated_at=last, first_day=epoch_day(first), last_day=epoch_day(last),
        lead_id=lead,
    )


def story_place(*, article: Article, text: str | None = None,
                params: clustering.Params = clustering.DEFAULT) -> int | None:
    """File ``article`` in a story (new or existing); return the story's id.

    ``text``: the article's opening text when the caller has it at hand (else its lead_text).
    """
    if article.story_id is not None or article.story_pinned:
        return article.story_id
    item = item_for(article, text=text)
    with transaction.atomic(), cluster_lock(item.language):
        store = DatabaseStore(moment=article.published_at, article_id=article.id, body_chars=article.body_chars,
                              merge_stories=_merge)
        original = _original_story(article)
        if original is not None:
            # A copy's text is its original's: it adds nothing to the story's terms or to the
            # document frequencies (a wire resending a story ten times would skew both).
            story_id, merged = original, ()
        else:
            placement = clustering.place(item, store, params)
            story_id, merged = placement.story_id, placement.merged
        with connection.cursor() as cursor:  # one plain statement: this runs for every stored article
            cursor.execute(f"UPDATE {Article._meta.db_table} SET story_id = %s WHERE id = %s", [story_id, article.id])
        article.story_id = story_id
        if merged:
            story_refresh(story=Story.objects.get(id=story_id))
        elif story_id not in (store.created_id, store.absorbed_id):  # a story created or joined now counts it already
            _absorb(story_id, article)
    if merged:
        log.info("stories merged into=%s merged=%s article_id=%s", story_id, list(merged), article.id)
    return story_id


def _merge(into_id: int, other_id: int) -> None:
    story_merge(into=Story.objects.get(id=into_id), other=Story.objects.get(id=other_id))


def _original_story(article: Article) -> int | None:
    """The story of the article this one is a copy of, if it has one."""
    if article.duplicate_of_id is None:
        return None
    story_id = Article.objects.filter(id=article.duplicate_of_id).values_list("story_id", flat=True).first()
    return final_story_id(story_id) if story_id is not None else None


def stories_backfill(*, batch: int = 500) -> int:
    """Place every article without a story, oldest first (after an upgrade, or a failed
    placement); returns how many were placed."""
    placed = 0
    last = None
    while True:
        qs = Article.objects.filter(story__isnull=True, story_pinned=False).exclude(source__kind=Source.Kind.RELEASES)
        if last is not None:
            qs = qs.filter(id__gt=last)
        rows = list(qs.order_by("id")[:batch])
        if not rows:
            return placed
        for article in sorted(rows, key=lambda a: (a.published_at, a.id)):
            story_place(article=article)
            placed += 1
        last = rows[-1].id

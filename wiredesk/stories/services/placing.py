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
from wiredesk.stories.clusterdb import DatabaseStore, as_days, cluster_lock, final_story_id
from wiredesk.sources.models import Source
from wiredesk.stories.models import Article, Story
from wiredesk.stories.services.stories import lead_rank, story_refresh
from wiredesk.text.dates import epoch_day

log = logging.getLogger("wiredesk.stories")

# Leads are the first 600 characters of the story; the opening 300 carry its who, where and
# how many (more words dilute the vector with a write-up's own colour).
TEXT_CHARS = 300


def clustering_language(language: str) -> str:
    """The language stories are compared within ("" for one nobody could tell)."""
    language = (language or "").split("-")[0].lower()
    return "" if language in ("und", "") else language


def opening_text(article: Article, text: str | None = None) -> str:
    """The story's opening without the wire's lead furniture (a caption lead's date stamp and
    agency), with the dateline's place kept: the who, where and how many of the event."""
    opening = article.lead_text if text is None else text
    if article.lead_raw and opening.startswith(article.lead_raw):
        opening = f"{article.dateline_place} {opening[len(article.lead_raw):]}"
    return opening[:TEXT_CHARS]


def item_for(article: Article, *, text: str | None = None) -> clustering.Item:
    """What clustering sees of an article: headline, link, language, day and opening text."""
    opening = opening_text(article, text)
    return clustering.Item.of(title=article.title, url=article.canonical_url, language=clustering_language(article.language),
                              day=epoch_day(article.published_at), text=opening, at=as_days(article.published_at))


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
        story_refresh(Story.objects.get(id=story_id))
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
        store = DatabaseStore(moment=article.published_at, article_id=article.id, body_chars=article.body_chars)
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
            story_refresh(Story.objects.get(id=story_id))
        elif story_id not in (store.created_id, store.absorbed_id):  # a story created or joined now counts it already
            _absorb(story_id, article)
    if merged:
        log.info("stories merged into=%s merged=%s article_id=%s", story_id, list(merged), article.id)
    return story_id


def _original_story(article: Article) -> int | None:
    """The story of the article this one is a copy of, if it has one."""
    if article.duplicate_of_id is None:
        return None
    story_id = Article.objects.filter(id=article.duplicate_of_id).values_list("story_id", flat=True).first()
    return final_story_id(story_id) if story_id is not None else None


def story_seed(story: Story, article: Article) -> None:
    """Give a story an editor made for one article that article's terms (centroid and
    postings), as if clustering had started it."""
    item = item_for(article)
    with cluster_lock(item.language):
        store = DatabaseStore(moment=article.published_at)
        total, df = store.frequencies(item.language, item.weights)
        vector = clustering.vectorize(item, total, df)
        state = clustering.StoryState(story.id, item.language, {}, 0, item.when, item.when)
        store.join(state, vector, item.when, clustering.DEFAULT.centroid_terms)
    story.centroid = state.centroid


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

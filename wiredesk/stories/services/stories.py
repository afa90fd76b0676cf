"""An editor's decisions on stories, and what a story is made of: merge, split and refresh.

The clustering stage (``placing``) files new articles in stories; editors correct it here.
Each write locks the stories involved (select_for_update, in id order so two editors cannot
deadlock) inside one transaction. An editor's merge or split pins the articles it moves
(``Article.story_pinned``) and a split records the two stories in each other's ``apart``
list: the clustering stage leaves pinned articles where they are and never merges stories
an editor keeps apart.
"""

from __future__ import annotations


from django.db import transaction
from django.db.models import Exists, OuterRef

from wiredesk.core.generation import content_changed
from wiredesk.stories.clusterdb import cluster_lock, story_seed
from wiredesk.stories.clustering import clustering_language, combine_centroids, lead_rank
from wiredesk.stories.models import Article, Story, StoryPosting
from wiredesk.text.dates import epoch_day

def _clustering_lock() -> None:
    """The clustering stage's lock, taken before any story row: placements take it first too,
    so an editor's change and a placement never wait for each other in opposite orders."""
    with cluster_lock():
        pass


def _locked(*story_ids: int) -> dict[int, Story]:
    stories = Story.objects.select_for_update().filter(id__in=story_ids).order_by("id")
    return {story.id: story for story in stories}


def _refresh(story: Story) -> bool:
    """Recompute size, times, days and lead from the members; False (and nothing saved) when
    the story has none."""
    members = list(story.members.order_by().values_list("id", "published_at", "body_chars"))
    story.size = len(members)
    if not members:
        return False
    times = [published for _, published, _ in members]
    story.first_seen_at, story.last_updated_at = min(times), max(times)
    story.first_day, story.last_day = epoch_day(story.first_seen_at), epoch_day(story.last_updated_at)
    story.lead_id = min(members, key=lambda m: lead_rank(m[2], m[1], m[0]))[0]
    story.save(update_fields=["size", "first_seen_at", "last_updated_at", "first_day", "last_day", "lead",
                              "changed_at"])
    return True


@transaction.atomic
def story_refresh(*, story: Story) -> Story:
    """Recompute a story's size, first and last times, days and lead from its members."""
    locked = _locked(story.id)[story.id]
    _refresh(locked)
    transaction.on_commit(content_changed)
    return locked


@transaction.atomic
def story_merge(*, into: Story, other: Story, by_editor: bool = False) -> Story:
    """Make ``other`` part of ``into``: its members, term postings and centroid move over and
    ``other`` is left empty, pointing at ``into`` (merged_into), so its address still leads
    somewhere. An editor's merge pins the members and forgets any "keep apart" between them.

    Refused (ValueError) for a story into itself, for a story already merged, and, unless an
    editor asks, for stories an editor keeps apart.
    """
    if into.id == other.id:
        raise ValueError("A story cannot be merged into itself.")
    _clustering_lock()
    stories = _locked(into.id, other.id)
    if len(stories) != 2:
        raise ValueError("Both stories must exist to be merged.")
    into, other = stories[into.id], stories[other.id]
    for story in (into, other):
        if story.merged_into_id is not None:
            raise ValueError(f"Story {story.id} was already merged into story {story.merged_into_id}.")
    if not by_editor and (other.id in into.apart or into.id in other.apart):
        raise ValueError(f"An editor keeps stories {into.id} and {other.id} apart: only an editor can merge them.")
    into.centroid = combine_centroids(into.centroid, other.centroid)
    moved = Article.objects.filter(story_id=other.id)
    if by_editor:
        moved.update(story_id=into.id, story_pinned=True)
        Article.objects.filter(story_id=into.id).update(story_pinned=True)
        into.apart = [s for s in into.apart if s != other.id]
        other.apart = [s for s in other.apart if s != into.id]
    else:
        moved.update(story_id=into.id)
        # What an editor kept apart from either stays apart from the merged story.
        into.apart = sorted({*into.apart, *other.apart} - {into.id, other.id})
    # Postings: the ones `into` already has for a (term, day) would collide, so go first.
    StoryPosting.objects.filter(story_id=other.id).filter(
        Exists(StoryPosting.objects.filter(story_id=into.id, term=OuterRef("term"), day=OuterRef("day")))
    ).delete()
    StoryPosting.objects.filter(story_id=other.id).update(story_id=into.id)
    into.save(update_fields=["centroid", "apart", "changed_at"])
    _refresh(into)
    other.merged_into = into
    other.size = 0
    other.lead = None
    other.centroid = {}
    other.save(update_fields=["merged_into", "size", "lead", "centroid", "apart", "changed_at"])
    # Stories merged into `other` before now lead straight to `into`.
    Story.objects.filter(merged_into_id=other.id).update(merged_into_id=into.id)
    # Stories an editor keeps apart from `other` are kept apart from `into` from now on (the
    # lists are short and few stories have one).
    for kept in Story.objects.exclude(apart=[]).exclude(id__in=[into.id, other.id]).only("id", "apart"):
        if other.id in kept.apart:
            kept.apart = sorted({*kept.apart, into.id} - {other.id})
            kept.save(update_fields=["apart"])
    transaction.on_commit(content_changed)  # lists and pages show the stories anew
    return into


@transaction.atomic
def story_split(*, article: Article) -> Story:
    """Take an article out of its story into a new story of its own, pinned there, and keep the
    two stories apart from now on. The old story is refreshed, and deleted when it is empty.

    An article in no story gets a story of its own, pinned. Returns the new story.
    """
    _clustering_lock()
    article = Article.objects.select_for_update().get(id=article.id)
    old = _locked(article.story_id)[article.story_id] if article.story_id else None
    published = article.published_at
    new = Story.objects.create(
        language=clustering_language(article.language), first_seen_at=published, last_updated_at=published,
        first_day=epoch_day(published), last_day=epoch_day(published), size=1, lead=article,
        apart=[old.id] if old is not None else [],
    )
    story_seed(new, article)  # its terms, so that later write-ups can find it
    article.story = new
    article.story_pinned = True
    article.save(update_fields=["story", "story_pinned", "changed_at"])
    if old is not None:
        if _refresh(old):
            if new.id not in old.apart:
                old.apart = [*old.apart, new.id]
                old.save(update_fields=["apart", "changed_at"])
        else:
            # Nothing left: the story goes, and with it any "keep apart" pointing at it.
            new.apart = []
            new.save(update_fields=["apart", "changed_at"])
            Story.objects.filter(merged_into_id=old.id).update(merged_into_id=new.id)
            old.delete()
    transaction.on_commit(content_changed)
    return new

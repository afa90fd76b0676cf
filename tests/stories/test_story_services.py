"""An editor's merges and splits, and a story's facts recomputed from its members."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.web.factories import make_source, store
from wiredesk.stories.models import Article, Story, StoryPosting
from wiredesk.stories.clustering import combine_centroids as combined_centroid
from wiredesk.stories.services.stories import epoch_day, story_merge, story_refresh, story_split

pytestmark = pytest.mark.django_db

UTC = dt.timezone.utc
T0 = dt.datetime(2026, 11, 19, 22, 30, tzinfo=UTC)


def story_of(articles, **fields) -> Story:
    times = [a.published_at for a in articles]
    fields.setdefault("size", len(articles))
    story = Story.objects.create(first_seen_at=min(times), last_updated_at=max(times), **fields)
    Article.objects.filter(id__in=[a.id for a in articles]).update(story=story)
    return story


@pytest.fixture
def wires():
    return [make_source(n) for n in ("Harbour Wire", "Lake Wire", "Valley Wire")]


def put(source, title, *, hours: float, words: int = 10) -> Article:
    return store(source, title, body="<p>" + " ".join(f"w{i}" for i in range(words)) + "</p>",
                 published=T0 + dt.timedelta(hours=hours))


def test_refresh_recomputes_size_times_days_and_lead(wires):
    a = put(wires[0], "Short and early", hours=0, words=5)
    b = put(wires[1], "Long and late", hours=3, words=50)  # next UTC day
    c = put(wires[2], "Long and later", hours=4, words=50)
    story = story_of([a], size=9)
    Article.objects.filter(id__in=[b.id, c.id]).update(story=story)
    story_refresh(story=story)
    story.refresh_from_db()
    assert story.size == 3
    assert (story.first_seen_at, story.last_updated_at) == (a.published_at, c.published_at)
    assert (story.first_day, story.last_day) == (epoch_day(T0), epoch_day(T0) + 1)
    assert story.lead_id == b.id  # most complete, then earliest


def test_merge_moves_members_postings_and_centroid(wires):
    a, b = put(wires[0], "One", hours=0, words=5), put(wires[1], "Two", hours=1, words=5)
    c = put(wires[2], "Three", hours=30, words=80)
    into = story_of([a, b], centroid={"ferry": 1.0, "berth": 0.5})
    other = story_of([c], centroid={"ferry": 0.4, "estuary": 0.9})
    StoryPosting.objects.create(term=1, day=10, story=into)
    StoryPosting.objects.create(term=1, day=10, story=other)  # would collide
    StoryPosting.objects.create(term=2, day=10, story=other)
    StoryPosting.objects.create(term=1, day=11, story=other)

    story_merge(into=into, other=other)
    into.refresh_from_db()
    other.refresh_from_db()
    assert set(into.members.values_list("id", flat=True)) == {a.id, b.id, c.id}
    assert not other.members.exists() and other.size == 0 and other.merged_into_id == into.id
    assert sorted(StoryPosting.objects.filter(story=into).values_list("term", "day")) == [(1, 10), (1, 11), (2, 10)]
    assert not StoryPosting.objects.filter(story=other).exists()
    # Centroids are sums of the members' vectors: they add.
    assert into.centroid == pytest.approx({"ferry": 1.4, "berth": 0.5, "estuary": 0.9})
    assert into.size == 3 and into.lead_id == c.id
    assert (into.first_seen_at, into.last_updated_at) == (a.published_at, c.published_at)
    assert (into.first_day, into.last_day) == (epoch_day(a.published_at), epoch_day(c.published_at))
    # An automatic merge pins nothing.
    assert not Article.objects.filter(story_pinned=True).exists()


def test_an_editors_merge_pins_the_members_and_forgets_keeping_apart(wires):
    a, b = put(wires[0], "One", hours=0), put(wires[1], "Two", hours=1)
    into, other = story_of([a]), story_of([b])
    into.apart, other.apart = [other.id, 999], [into.id]
    into.save()
    other.save()
    with pytest.raises(ValueError, match="apart"):
        story_merge(into=into, other=other)
    assert Article.objects.get(id=b.id).story_id == other.id  # nothing changed
    story_merge(into=into, other=other, by_editor=True)
    into.refresh_from_db()
    other.refresh_from_db()
    assert into.apart == [999] and other.apart == []
    assert list(Article.objects.filter(id__in=[a.id, b.id]).values_list("story_id", "story_pinned")) == [(into.id, True)] * 2


def test_merge_refuses_a_story_into_itself_and_a_merged_story(wires):
    a, b, c = (put(w, "x", hours=i) for i, w in enumerate(wires))
    one, two, three = story_of([a]), story_of([b]), story_of([c])
    with pytest.raises(ValueError, match="itself"):
        story_merge(into=one, other=one)
    story_merge(into=one, other=two)
    with pytest.raises(ValueError, match="already merged"):
        story_merge(into=three, other=two)
    # A story merged into one that is merged later leads to the last.
    story_merge(into=three, other=one)
    assert Story.objects.get(id=two.id).merged_into_id == three.id


def test_split_gives_the_article_a_pinned_story_kept_apart(wires):
    a, b, c = put(wires[0], "One", hours=0, words=80), put(wires[1], "Two", hours=1), put(wires[2], "Three", hours=2)
    old = story_of([a, b, c])
    new = story_split(article=a)
    old.refresh_from_db()
    a.refresh_from_db()
    assert a.story_id == new.id and a.story_pinned
    assert new.size == 1 and new.lead_id == a.id and new.first_seen_at == a.published_at
    assert new.apart == [old.id] and old.apart == [new.id]
    assert old.size == 2 and old.lead_id == b.id and old.first_seen_at == b.published_at
    # Merging them now is an editor's call only.
    with pytest.raises(ValueError, match="apart"):
        story_merge(into=old, other=new)


def test_splitting_a_storys_last_member_deletes_the_empty_story(wires):
    a = put(wires[0], "Alone", hours=0)
    old = story_of([a])
    gone = Story.objects.create(first_seen_at=T0, last_updated_at=T0, merged_into=old)
    new = story_split(article=a)
    assert not Story.objects.filter(id=old.id).exists()
    assert new.apart == [] and Story.objects.get(id=gone.id).merged_into_id == new.id


@settings(max_examples=60, deadline=None)
@given(
    a=st.dictionaries(st.sampled_from("abcdefghij"), st.floats(0.01, 5), max_size=10),
    b=st.dictionaries(st.sampled_from("fghijklmno"), st.floats(0.01, 5), max_size=10),
    keep=st.integers(1, 12),
)
def test_combined_centroid_keeps_the_strongest_summed_terms(a, b, keep):
    merged = combined_centroid(a, b, keep=keep)
    full = {t: a.get(t, 0) + b.get(t, 0) for t in {*a, *b}}
    assert len(merged) == min(keep, len(full))
    assert all(merged[t] == pytest.approx(full[t]) for t in merged)
    dropped = [w for t, w in full.items() if t not in merged]
    assert not dropped or max(dropped) <= min(merged.values()) + 1e-12
    assert combined_centroid(b, a, keep=keep) == pytest.approx(merged)


def test_what_an_editor_kept_apart_stays_apart_through_automatic_merges(wires):
    a, b, c = put(wires[0], "One", hours=0), put(wires[1], "Two", hours=1), put(wires[2], "Three", hours=2)
    first = story_of([a, b])
    split = story_split(article=a)  # the editor: a is not the event of b
    third = story_of([c])
    # Clustering later finds first and third to be one event.
    merged = story_merge(into=third, other=Story.objects.get(id=first.id))
    merged.refresh_from_db()
    split.refresh_from_db()
    assert split.id in merged.apart and merged.id in split.apart and first.id not in split.apart
    with pytest.raises(ValueError, match="apart"):
        story_merge(into=merged, other=split)
    with pytest.raises(ValueError, match="apart"):
        story_merge(into=split, other=merged)
    assert Article.objects.get(id=a.id).story_id == split.id

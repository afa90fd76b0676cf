"""Whatever the stories, sources and lengths: no list shows a story twice, and every story the
brand carries a member of shows exactly once, through the member the rule prefers.

Hypothesis assigns a pool of stored articles to stories, and draws each article's length,
time and section and each brand's wires; the lists are read over HTTP and checked against an
oracle written here from the rule (own wire, then most complete, then earliest).
"""

from __future__ import annotations

import datetime as dt
import re

import feedparser
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.caches import clear_caches
from tests.web.factories import get, make_brand, make_source, store
from wiredesk.brands.models import BrandSource
from wiredesk.stories.models import Article, Story

pytestmark = pytest.mark.django_db

N = 12
HOST = "p.test"
ARTICLE_ID = re.compile(r"/story/(\d+)-")
T0 = dt.datetime(2026, 11, 19, 8, 0, tzinfo=dt.timezone.utc)


@pytest.fixture
def pool():
    clear_caches()
    wires = [make_source(n) for n in ("Harbour Wire", "Lake Wire", "Valley Wire")]
    articles = [store(wires[i % 3], f"Story {i} about the harbour", published=T0 + dt.timedelta(minutes=i))
                for i in range(N)]
    stories = [Story.objects.create(first_seen_at=T0, last_updated_at=T0) for _ in range(4)]
    brand = make_brand("Pool Herald", [HOST])
    return wires, articles, stories, brand


article_draw = st.tuples(
    st.one_of(st.none(), st.integers(0, 3)),  # story (or none)
    st.integers(0, 2),  # body length class: ties are likely
    st.integers(0, 3),  # minutes: ties are likely
    st.sampled_from(["world", "business"]),
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(draws=st.lists(article_draw, min_size=N, max_size=N), linked=st.sets(st.integers(0, 2)),
       sections=st.sampled_from([[], ["world"], ["world", "business"]]))
def test_no_list_shows_a_story_twice(client, pool, draws, linked, sections):
    wires, articles, stories, brand = pool
    for article, (story, length, minutes, section) in zip(articles, draws):
        Article.objects.filter(id=article.id).update(
            story=stories[story] if story is not None else None, body_chars=100 * length,
            published_at=T0 + dt.timedelta(minutes=minutes), section=section,
        )
    BrandSource.objects.filter(brand=brand).delete()
    for i in sorted(linked):
        BrandSource.objects.create(brand=brand, source=wires[i])
    brand.sections = sections
    brand.save()
    clear_caches()

    # The oracle: what the brand carries, then one member per story.
    carried = [
        a for a in Article.objects.order_by("id")
        if (not linked or a.source_id in {wires[i].id for i in linked}) and (not sections or a.section in sections)
    ]
    best: dict[int, Article] = {}
    for a in carried:
        if a.story_id is None:
            continue
        key = (-a.body_chars, a.published_at, a.id)
        if a.story_id not in best or key < (-best[a.story_id].body_chars, best[a.story_id].published_at, best[a.story_id].id):
            best[a.story_id] = a
    expected = {a.id for a in carried if a.story_id is None} | {a.id for a in best.values()}
    story_of = {a.id: a.story_id for a in Article.objects.all()}

    def check(ids: list[int], where: str, *, complete: bool = True) -> None:
        stories_seen = [story_of[i] for i in ids if story_of[i] is not None]
        assert len(stories_seen) == len(set(stories_seen)), where
        assert set(ids) <= expected, where
        if complete:
            assert set(ids) == expected, where

    r = get(client, "/feeds/feed.json", HOST)
    assert r.status_code == 200, (r.status_code, r.content[:500], sections, linked)
    home = [int(i) for i in ARTICLE_ID.findall(r.content.decode())]
    check(list(dict.fromkeys(home)), "json feed")
    rss = feedparser.parse(get(client, "/feeds/rss.xml", HOST).content)
    check([int(ARTICLE_ID.search(e.link)[1]) for e in rss.entries], "rss")
    sitemap = [int(i) for i in ARTICLE_ID.findall(get(client, "/sitemap.xml", HOST).content.decode())]
    check(sitemap, "sitemap")
    section = get(client, "/section/world/", HOST)
    if section.status_code == 200:
        # A section page chooses among the story's members filed in that section.
        in_world = [a for a in carried if a.section == "world"]
        best_world: dict[int, Article] = {}
        for a in in_world:
            if a.story_id is not None:
                key = (-a.body_chars, a.published_at, a.id)
                held = best_world.get(a.story_id)
                if held is None or key < (-held.body_chars, held.published_at, held.id):
                    best_world[a.story_id] = a
        expected_world = {a.id for a in in_world if a.story_id is None} | {a.id for a in best_world.values()}
        world = list(dict.fromkeys(int(i) for i in ARTICLE_ID.findall(section.content.decode())))
        stories_seen = [story_of[i] for i in world if story_of[i] is not None]
        assert len(stories_seen) == len(set(stories_seen)), "world"
        assert set(world) <= expected_world, "world"

"""Front-page ranking: newest first, with the brand's local datelines and heavier sources moved up."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from wiredesk.brands.selectors import source_weights
from wiredesk.core.sections import SECTION_NAMES
from wiredesk.stories.places import front_section, home_place_slugs

LOCAL_BONUS = dt.timedelta(hours=6)
WEIGHT_STEP = dt.timedelta(hours=6)


@dataclass
class Block:
    section: str
    name: str
    lead: object | None = None
    more: list = field(default_factory=list)


@dataclass(frozen=True)
class Emphasis:
    """What a brand moves up: its home place (all its spellings) and its heavier sources."""

    home: frozenset[str]
    weights: dict[int, float]


def brand_emphasis(brand) -> Emphasis:
    return Emphasis(home=home_place_slugs(brand), weights=source_weights(brand=brand))


def story_score(article, emphasis: Emphasis) -> float:
    """Seconds since the epoch, shifted forward for a home-place dateline and a heavier source."""
    score = article.published_at.timestamp()
    if article.place_slug in emphasis.home:
        score += LOCAL_BONUS.total_seconds()
    score += (emphasis.weights.get(article.source_id, 1.0) - 1.0) * WEIGHT_STEP.total_seconds()
    return score


def ranked(articles, emphasis: Emphasis) -> list:
    """Best first; the id breaks ties, so the same stories always come in the same order."""
    return sorted(articles, key=lambda a: (story_score(a, emphasis), a.id), reverse=True)


def _pinned_first(pinned) -> tuple[dict[str, list], set[int], set[int]]:
    """Pinned articles by section (each article once, in its latest pin's section), and the
    ids and stories they take."""
    by_section: dict[str, list] = {}
    ids: set[int] = set()
    stories: set[int] = set()
    for section, article in pinned:
        if article.id in ids or (article.story_id is not None and article.story_id in stories):
            continue
        by_section.setdefault(section, []).append(article)
        ids.add(article.id)
        if article.story_id is not None:
            stories.add(article.story_id)
    return by_section, ids, stories


def rank_front(candidates: list, *, brand, now: dt.datetime, per_section: int = 5, pinned=()) -> list[Block]:
    """One block per section of the brand, in the brand's order; the lead prefers a story with an
    image. A story is in one block: "local" for the home place's stories when the brand shows it.
    ``pinned`` ((section, article) pairs, an editor's choices) lead their section's block."""
    emphasis = brand_emphasis(brand)
    pins, pinned_ids, pinned_stories = _pinned_first(pinned)
    by_section: dict[str, list] = {}
    for article in candidates:
        if article.id in pinned_ids or (article.story_id is not None and article.story_id in pinned_stories):
            continue
        by_section.setdefault(front_section(article, brand, emphasis.home), []).append(article)
    blocks: list[Block] = []
    for section in brand.section_list:
        first = pins.get(section, [])
        stories = (first + ranked(by_section.get(section, []), emphasis))[:max(per_section, len(first))]
        if not stories:
            continue
        lead = first[0] if first else next((a for a in stories[:3] if a.images), stories[0])
        blocks.append(Block(section=section, name=SECTION_NAMES.get(section, section.title()), lead=lead,
                            more=[a for a in stories if a is not lead]))
    return blocks


RAIL_PER_SECTION = 4


def rank_rail(candidates: list, *, brand, limit: int = 12, pinned=()) -> list:
    """The rail's teasers: the brand's pinned stories first, then its best of the recent
    stories it was given, at most RAIL_PER_SECTION of one section (as the front files them)
    while others have stories."""
    emphasis = brand_emphasis(brand)
    _, pinned_ids, pinned_stories = _pinned_first(pinned)
    lead = [a for _, a in pinned if a.id in pinned_ids]
    lead = list({a.id: a for a in lead}.values())[:limit]
    if lead:
        candidates = [a for a in candidates
                      if a.id not in pinned_ids and (a.story_id is None or a.story_id not in pinned_stories)]
        return lead + rank_rail(candidates, brand=brand, limit=limit - len(lead))
    best = ranked(candidates, emphasis)
    chosen: set[int] = set()
    per_section: dict[str, int] = {}
    for article in best:
        section = front_section(article, brand, emphasis.home)
        if len(chosen) < limit and per_section.get(section, 0) < RAIL_PER_SECTION:
            per_section[section] = per_section.get(section, 0) + 1
            chosen.add(article.id)
    for article in best:  # too few sections to fill the rail: the next best of any
        if len(chosen) >= limit:
            break
        chosen.add(article.id)
    return [a for a in best if a.id in chosen]


_STOP = frozenset("a an the of to in on for and or at by with from as is are was were be it its after over new says said".split())


def _words(title: str) -> set[str]:
    return {w for w in "".join(c if c.isalnum() else " " for c in title.casefold()).split() if w not in _STOP and len(w) > 2}


def pick_related(article, candidates: list):
    """The candidate whose headline shares most words with this one; the newest when none does."""
    if not candidates:
        return None
    mine = _words(article.title)
    best = max(candidates, key=lambda c: (len(mine & _words(c.title)), c.published_at))
    return best

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
    return Emphasis(home=home_place_slugs(brand), weights=source_weights(brand))


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


def rank_front(candidates: list, *, brand, now: dt.datetime, per_section: int = 5) -> list[Block]:
    """One block per section of the brand, in the brand's order; the lead prefers a story with an
    image. A story is in one block: "local" for the home place's stories when the brand shows it."""
    emphasis = brand_emphasis(brand)
    by_section: dict[str, list] = {}
    for article in candidates:
        by_section.setdefault(front_section(article, brand, emphasis.home), []).append(article)
    blocks: list[Block] = []
    for section in brand.section_list:
        stories = ranked(by_section.get(section, []), emphasis)[:per_section]
        if not stories:
            continue
        lead = next((a for a in stories[:3] if a.images), stories[0])
        blocks.append(Block(section=section, name=SECTION_NAMES.get(section, section.title()), lead=lead,
                            more=[a for a in stories if a is not lead]))
    return blocks


RAIL_PER_SECTION = 4


def rank_rail(candidates: list, *, brand, limit: int = 12) -> list:
    """The rail's teasers: the brand's best of the recent stories it was given, at most
    RAIL_PER_SECTION of one section (as the front files them) while others have stories."""
    emphasis = brand_emphasis(brand)
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

"""Front-page ranking: newest first, with local datelines and heavier sources moved up."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from wiredesk.core.sections import SECTION_NAMES

LOCAL_BONUS = dt.timedelta(hours=6)
WEIGHT_STEP = dt.timedelta(hours=6)


@dataclass
class Block:
    section: str
    name: str
    lead: object | None = None
    more: list = field(default_factory=list)


def story_score(article, *, home_place: str, weights: dict[int, float]) -> float:
    """Seconds since the epoch, shifted forward for a local dateline and a heavier source."""
    score = article.published_at.timestamp()
    if home_place and article.dateline_place.casefold() == home_place.casefold():
        score += LOCAL_BONUS.total_seconds()
    score += (weights.get(article.source_id, 1.0) - 1.0) * WEIGHT_STEP.total_seconds()
    return score


def rank_front(candidates: list, *, brand, now: dt.datetime, per_section: int = 5) -> list[Block]:
    """One block per section of the brand, in the brand's order; the lead prefers a story with an image."""
    weights = brand_weights(brand)
    by_section: dict[str, list] = {}
    for article in candidates:
        by_section.setdefault(article.section, []).append(article)
    blocks: list[Block] = []
    for section in brand.section_list:
        stories = sorted(
            by_section.get(section, []),
            key=lambda a: story_score(a, home_place=brand.home_place, weights=weights),
            reverse=True,
        )[:per_section]
        if not stories:
            continue
        lead = next((a for a in stories[:3] if a.images), stories[0])
        blocks.append(Block(section=section, name=SECTION_NAMES.get(section, section.title()), lead=lead,
                            more=[a for a in stories if a is not lead]))
    return blocks


def brand_weights(brand) -> dict[int, float]:
    """Source id to weight for a brand (one query)."""
    return dict(brand.brandsource_set.values_list("source_id", "weight"))


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

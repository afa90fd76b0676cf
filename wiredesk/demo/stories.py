"""The demo partner wires and their story pools (text written for the project, places invented).

Each wire's stories live in ``wires/<key>.json``; this module holds what a wire is (name,
feed format, licence, categories) and loads and checks its pool once.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

__all__ = ["StoryImage", "Story", "Wire", "WIRES", "wire_stories"]

_REISSUE_SLUG = re.compile(r"-r\d+$")


@dataclass(frozen=True)
class StoryImage:
    name: str  # served as /img/<name>.png
    caption: str
    credit: str  # "Mara Quill/Northlight Images"


@dataclass(frozen=True)
class Story:
    slug: str
    title: str
    category: str  # the wire's own category, not our section
    author: str
    paragraphs: tuple[str, ...]  # plain text; the first one follows the lead
    dateline: str = ""  # "PORT ELLIS, Westmark" -> "PORT ELLIS, Westmark: ..."
    caption_place: str = ""  # "PORT ELLIS" -> "(261129) -- PORT ELLIS, Nov. 29, 2026 (Northlight) -- ..."
    photo_credit: str = ""  # "Mara Quill-Northlight Images" -> "(Photo credit: ...) ..."
    read_more: tuple[str, int] | None = None  # (slug of an earlier story, insert after paragraph n)
    image: StoryImage | None = None


@dataclass(frozen=True)
class Wire:
    key: str  # URL prefix: /harbour/...
    name: str
    credit: str
    agency: str  # short name used in caption leads
    format: str  # "rss", "atom", "jsonfeed", "rss-summary"
    feed_path: str
    tagline: str
    section_map: dict[str, str] = field(default_factory=dict)
    licence: str = "full"  # "full" or "excerpt"
    closing_credit: str = ""
    credit_tag_in_body: bool = False  # bodies end with a "(Harbour Wire)" paragraph
    canonical_to_original: bool = False
    fetch_full_text: bool = False
    backdate_minutes: int = 30  # spacing of the stories visible at start

    @property
    def stories(self) -> tuple[Story, ...]:
        return wire_stories(self.key)

    @property
    def source_format(self) -> str:
        """The ``Source.format`` value for this wire's feed."""
        return "rss" if self.format.startswith("rss") else self.format


WIRES: dict[str, Wire] = {
    wire.key: wire
    for wire in (
        Wire(
            key="harbour", name="Harbour Wire", credit="Harbour Wire", agency="Harbour Wire",
            format="rss", feed_path="/harbour/rss.xml",
            tagline="News from Port Ellis and the Westmark coast",
            section_map={"Region": "world", "Business": "business", "Technology": "technology", "Sport": "sports"},
            closing_credit="(Harbour Wire)", credit_tag_in_body=True, backdate_minutes=47,
        ),
        Wire(
            key="northlight", name="Northlight Press", credit="Northlight Press", agency="Northlight",
            format="atom", feed_path="/northlight/atom.xml",
            tagline="Pictures and news from the northern countries",
            section_map={
                "World News": "world", "Markets": "business", "Tech & Science": "technology",
                "Sport": "sports", "In Pictures": "photo",
            },
            closing_credit="(Northlight Press)", backdate_minutes=23,
        ),
        Wire(
            key="meridian", name="Meridian News Service", credit="Meridian", agency="Meridian",
            format="jsonfeed", feed_path="/meridian/feed.json",
            tagline="Tarnia and the lake country, as it happens",
            section_map={"International": "world", "Economy": "business", "Science & Tech": "technology", "Sports": "sports"},
            licence="excerpt", closing_credit="(Meridian)", canonical_to_original=True, backdate_minutes=61,
        ),
        Wire(
            key="valley", name="Valley Dispatch", credit="Valley Dispatch", agency="Valley Dispatch",
            format="rss-summary", feed_path="/valley/rss.xml",
            tagline="The Corran valley's own newsroom",
            section_map={"News": "world", "Money": "business", "Tech": "technology", "Sports": "sports"},
            closing_credit="(Valley Dispatch)", backdate_minutes=9,
        ),
    )
}


@cache
def wire_stories(key: str) -> tuple[Story, ...]:
    """Load and check the story pool of one wire."""
    raw = json.loads(resources.files("wiredesk.demo").joinpath(f"wires/{key}.json").read_text("utf-8"))
    stories = tuple(_story(entry) for entry in raw["stories"])
    _check(key, stories)
    return stories


def _story(entry: dict) -> Story:
    image = entry.get("image")
    read_more = entry.get("read_more")
    return Story(
        slug=entry["slug"],
        title=entry["title"],
        category=entry["category"],
        author=entry["author"],
        paragraphs=tuple(entry["paragraphs"]),
        dateline=entry.get("dateline", ""),
        caption_place=entry.get("caption_place", ""),
        photo_credit=entry.get("photo_credit", ""),
        read_more=(read_more["slug"], int(read_more["after"])) if read_more else None,
        image=StoryImage(**image) if image else None,
    )


def _check(key: str, stories: tuple[Story, ...]) -> None:
    """Fail loudly on a pool the server could not serve consistently."""
    seen: set[str] = set()
    for story in stories:
        where = f"{key}/{story.slug}"
        if story.slug in seen or _REISSUE_SLUG.search(story.slug) or not re.fullmatch(r"[a-z0-9-]+", story.slug):
            raise ValueError(f"bad or duplicate slug {where}")
        if sum(bool(x) for x in (story.dateline, story.caption_place, story.photo_credit)) != 1:
            raise ValueError(f"{where} needs exactly one lead")
        if not 3 <= len(story.paragraphs) <= 6:
            raise ValueError(f"{where} needs 3 to 6 paragraphs")
        if story.category not in WIRES[key].section_map:
            raise ValueError(f"{where} has unmapped category {story.category!r}")
        # READ MORE must point back in the pool, so its target is already published.
        if story.read_more and (story.read_more[0] not in seen or story.read_more[1] >= len(story.paragraphs) - 1):
            raise ValueError(f"{where} READ MORE must name an earlier story and fall inside the body")
        seen.add(story.slug)

"""The demo partner wires and their story pools (text written for the project, places invented).

Each wire's stories live in ``wires/<key>.json``; this module holds what a wire is (name,
feed format, licence, categories) and loads and checks its pool once.

The pools are also ground truth for near-duplicates and story clustering (issue 11), in keys
the demo never puts into a feed or page:

- ``event``: every story names the event it reports. Several wires cover some events, each
  with its own write-up (own headline, lead, structure and quotes; same places, people and
  numbers); write-ups of one event share the key, every other story has a key of its own.
  Some events are look-alikes of others (two fires, two council budgets, two 3-1 results, two
  inflation figures) and keep distinct keys.
- ``copy_of``: ``"wire:slug"`` of an agency story that this wire carries verbatim. A copy
  names no paragraphs: it takes the original's, adds its own lead (dateline, caption or photo
  credit) and may end with a ``credit_line`` paragraph; its headline is its own.
- ``revision``: what the wire changes when the story comes round again (see
  ``wiredesk.demo.render``): ``corrects`` a word, ``adds`` a paragraph or ``updates`` one,
  with the editor's note that says so and, optionally, a new headline.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

__all__ = ["StoryImage", "Revision", "Story", "Wire", "WIRES", "wire_stories", "parse_pool", "REVISION_KINDS"]

_REISSUE_SLUG = re.compile(r"-r\d+$")
_KEY = re.compile(r"[a-z0-9-]+")
REVISION_KINDS = ("corrects", "adds", "updates")


@dataclass(frozen=True)
class StoryImage:
    name: str  # served as /img/<name>.png
    caption: str
    credit: str  # "Mara Quill/Northlight Images"


@dataclass(frozen=True)
class Revision:
    """The change a story carries from its first reissue on (cycle 1 and later)."""

    kind: str  # "corrects", "adds" or "updates"
    note: str  # the editor's note, sent as the body's first paragraph: "(Corrects ... in paragraph 2)"
    paragraph: int  # 0-based: the paragraph corrected or replaced, or the position of the new one
    text: str = ""  # adds: the new paragraph; updates: the paragraph that replaces the old one
    old: str = ""  # corrects: the wrong word(s) in that paragraph ...
    new: str = ""  # ... and what replaces them
    title: str = ""  # a new headline, when the change calls for one

    def apply(self, paragraphs: tuple[str, ...]) -> tuple[str, ...]:
        """The paragraphs as the revised story sends them."""
        out = list(paragraphs)
        if self.kind == "corrects":
            out[self.paragraph] = out[self.paragraph].replace(self.old, self.new, 1)
        elif self.kind == "adds":
            out.insert(self.paragraph, self.text)
        else:
            out[self.paragraph] = self.text
        return tuple(out)


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
    event: str = ""  # ground truth: the event reported; shared by every write-up of it
    copy_of: str = ""  # ground truth: "wire:slug" of the agency story carried verbatim
    revision: Revision | None = None  # what a reissue changes


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


_loading: set[str] = set()


@cache
def wire_stories(key: str) -> tuple[Story, ...]:
    """Load and check the story pool of one wire (a copy loads its original's pool first)."""
    if key in _loading:
        raise ValueError(f"{key}: copies between wires form a loop")
    _loading.add(key)
    try:
        raw = json.loads(resources.files("wiredesk.demo").joinpath(f"wires/{key}.json").read_text("utf-8"))
        return parse_pool(key, raw)
    finally:
        _loading.discard(key)


def parse_pool(key: str, raw: dict) -> tuple[Story, ...]:
    """The stories of a pool document ``{"stories": [...]}``, checked; ValueError when unfit."""
    try:
        stories = tuple(_story(key, entry) for entry in raw["stories"])
    except (KeyError, TypeError) as exc:
        raise ValueError(f"{key}: malformed story entry ({exc!r})") from exc
    _check(key, stories)
    return stories


def _original(key: str, ref: str) -> Story:
    """The story a copy names as ``"wire:slug"``, which must be an original on another wire."""
    wire, _, slug = ref.partition(":")
    if wire == key or wire not in WIRES:
        raise ValueError(f"{key}: copy_of {ref!r} must name another demo wire")
    original = next((s for s in wire_stories(wire) if s.slug == slug), None)
    if original is None or original.copy_of:
        raise ValueError(f"{key}: copy_of {ref!r} names no original story")
    return original


def _story(key: str, entry: dict) -> Story:
    image = entry.get("image")
    read_more = entry.get("read_more")
    revision = entry.get("revision")
    paragraphs = entry.get("paragraphs")
    copy_of = entry.get("copy_of", "")
    if copy_of:
        if paragraphs is not None:
            raise ValueError(f"{key}/{entry['slug']}: a copy takes its original's paragraphs")
        original = _original(key, copy_of)
        paragraphs = [*original.paragraphs, *([entry["credit_line"]] if entry.get("credit_line") else [])]
    return Story(
        slug=entry["slug"],
        title=entry["title"],
        category=entry["category"],
        author=entry["author"],
        paragraphs=tuple(paragraphs),
        dateline=entry.get("dateline", ""),
        caption_place=entry.get("caption_place", ""),
        photo_credit=entry.get("photo_credit", ""),
        read_more=(read_more["slug"], int(read_more["after"])) if read_more else None,
        image=StoryImage(**image) if image else None,
        event=entry["event"],
        copy_of=copy_of,
        revision=Revision(**revision) if revision else None,
    )


def _check_revision(where: str, story: Story) -> None:
    rev = story.revision
    if rev is None:
        return
    if story.copy_of:
        raise ValueError(f"{where}: a verbatim copy is not revised")
    if rev.kind not in REVISION_KINDS or not (rev.note.startswith("(") and rev.note.endswith(")")):
        raise ValueError(f"{where}: revision needs a kind of {REVISION_KINDS} and a bracketed note")
    size = len(story.paragraphs)
    if rev.kind == "adds":
        ok = 1 <= rev.paragraph <= size and bool(rev.text) and rev.text not in story.paragraphs
    elif rev.kind == "updates":
        ok = 0 <= rev.paragraph < size and bool(rev.text) and rev.text != story.paragraphs[rev.paragraph]
    else:
        ok = 0 <= rev.paragraph < size and bool(rev.old) and bool(rev.new) and rev.old != rev.new \
            and rev.old in story.paragraphs[rev.paragraph]
    if not ok:
        raise ValueError(f"{where}: revision {rev.kind} does not change the text it names")


def _check(key: str, stories: tuple[Story, ...]) -> None:
    """Fail loudly on a pool the server could not serve consistently."""
    seen: set[str] = set()
    events: set[str] = set()
    for story in stories:
        where = f"{key}/{story.slug}"
        if story.slug in seen or _REISSUE_SLUG.search(story.slug) or not _KEY.fullmatch(story.slug):
            raise ValueError(f"bad or duplicate slug {where}")
        if not _KEY.fullmatch(story.event) or story.event in events:
            raise ValueError(f"{where} needs an event key of its own on this wire")
        if story.copy_of and _original(key, story.copy_of).event != story.event:
            raise ValueError(f"{where} reports another event than the story it copies")
        if sum(bool(x) for x in (story.dateline, story.caption_place, story.photo_credit)) != 1:
            raise ValueError(f"{where} needs exactly one lead")
        if not 3 <= len(story.paragraphs) <= 6:
            raise ValueError(f"{where} needs 3 to 6 paragraphs")
        if story.category not in WIRES[key].section_map:
            raise ValueError(f"{where} has unmapped category {story.category!r}")
        # READ MORE must point back in the pool, so its target is already published.
        if story.read_more and (story.read_more[0] not in seen or story.read_more[1] >= len(story.paragraphs) - 1):
            raise ValueError(f"{where} READ MORE must name an earlier story and fall inside the body")
        _check_revision(where, story)
        seen.add(story.slug)
        events.add(story.event)

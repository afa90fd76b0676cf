"""When each demo story is published: a pure schedule over a wire's story pool.

Issue ``seq`` 0, 1, 2, ... of a wire takes story ``seq % len(pool)``; once the pool is used up
the stories come round again as reissues ("-r1", "-r2" slugs) with new GUIDs and fresh
times. The first ``initial`` issues are backdated before the server's start; after that one
issue follows every ``interval`` seconds (+-15 %), each wire shifted by its own phase.
Publication times are whole seconds, so "visible" (published <= now) never splits a second.

The pools are laid out for issue 11's desk (``wiredesk.demo.stories``): positions 0-5 are
single-wire stories (the backdated issues), positions 6 to 15 hold the events several wires
cover, each write-up at about the same position on every wire, an agency copy one position
after its original. At ``make run``'s pace (``demo_wires --interval 30``, wires a fifth of an
interval apart) that is a dense stretch in the first five minutes: every write-up of an event
within about two minutes of the others and all twelve events open at once. The pools hold 18
to 22 stories, so the first reissues (with their editor's notes, ``wiredesk.demo.render``)
follow 6 to 8 minutes after the start, and an hour brings each story round several times.
"""

from __future__ import annotations

import hashlib
import math
import re
from dataclasses import dataclass

from wiredesk.demo.stories import Story, Wire

__all__ = ["Schedule", "Issue", "issue_at", "issues_visible", "issue_by_slug"]

_SLUG = re.compile(r"^(?P<base>[a-z0-9-]+?)(?:-r(?P<cycle>\d+))?$")


def _unit(salt: str, seq: int) -> float:
    """A deterministic number in [0, 1) for (salt, seq)."""
    digest = hashlib.sha256(f"{salt}:{seq}".encode()).digest()
    return int.from_bytes(digest[:4], "big") / 2**32


@dataclass(frozen=True)
class Schedule:
    start: int  # epoch seconds when the server started
    interval: float  # mean seconds between two new issues of one wire
    initial: int = 6  # issues already visible at start
    phase: float = 0.5  # fraction of an interval before the first new issue (0.2 .. 0.8)
    backdate: int = 1800  # mean seconds between the backdated issues
    salt: str = ""

    def __post_init__(self) -> None:
        if self.interval <= 0 or self.initial < 0 or not 0.15 < self.phase <= 1:
            raise ValueError("interval must be > 0, initial >= 0, phase in (0.15, 1]")

    def published(self, seq: int) -> int:
        """Epoch second at which issue ``seq`` becomes visible (non-decreasing in seq)."""
        jitter = 0.3 * (_unit(self.salt, seq) - 0.5)  # +-15 %: gaps stay between 0.7 and 1.3
        if seq < self.initial:
            return self.start - round((self.initial - seq + jitter) * self.backdate)
        offset = (seq - self.initial + self.phase + jitter) * self.interval
        return self.start + max(1, math.ceil(offset))

    def visible(self, now: float) -> int:
        """How many issues are published at ``now``."""
        lo, hi = 0, self.initial + max(0, int((now - self.start) / self.interval)) + 2
        while lo < hi:  # first seq published after now
            mid = (lo + hi) // 2
            if self.published(mid) <= now:
                lo = mid + 1
            else:
                hi = mid
        return lo


@dataclass(frozen=True)
class Issue:
    """One publication of a story: what a feed item is."""

    wire: Wire
    story: Story
    seq: int
    cycle: int  # 0 for the first issue, n for the n-th reissue
    published: int  # epoch seconds
    first_issued: int  # epoch seconds of the cycle-0 issue

    @property
    def slug(self) -> str:
        return self.story.slug if self.cycle == 0 else f"{self.story.slug}-r{self.cycle}"

    @property
    def guid(self) -> str:
        # RFC 4151 tag URI: stable for a (story, cycle), independent of the host serving it.
        return f"tag:{self.wire.key}.wires.example,2026:story/{self.slug}"


def issue_at(wire: Wire, schedule: Schedule, seq: int) -> Issue:
    """The issue number ``seq`` of a wire."""
    pool = wire.stories
    cycle, index = divmod(seq, len(pool))
    return Issue(
        wire=wire, story=pool[index], seq=seq, cycle=cycle,
        published=schedule.published(seq), first_issued=schedule.published(index),
    )


def issues_visible(wire: Wire, schedule: Schedule, now: float, limit: int) -> list[Issue]:
    """The newest ``limit`` published issues, newest first."""
    count = schedule.visible(now)
    return [issue_at(wire, schedule, seq) for seq in range(count - 1, max(count - limit, 0) - 1, -1)]


def issue_by_slug(wire: Wire, schedule: Schedule, slug: str, now: float) -> Issue | None:
    """The published issue behind an article slug, or None."""
    match = _SLUG.match(slug)
    if not match:
        return None
    pool = wire.stories
    index = next((i for i, s in enumerate(pool) if s.slug == match["base"]), None)
    cycle = match["cycle"]
    if index is None or (cycle is not None and (cycle.startswith("0") or cycle == "")):
        return None
    seq = int(cycle or 0) * len(pool) + index
    return issue_at(wire, schedule, seq) if seq < schedule.visible(now) else None

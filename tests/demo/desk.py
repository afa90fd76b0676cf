"""Ground truth of the demo wires for tests of near-duplicates and story clustering (issue 11).

    from tests.demo.desk import desk_issues
    with DemoWireServer(port=0, interval=30, clock=clock) as srv:
        ...
        for item in desk_issues(srv.wires.schedules, clock()):
            item.guid, item.event, item.copy_key, item.note_kind ...

Every issue a wire has published by ``now`` (all of them, not only the feed's newest 20) is
listed with what the demo knows and never sends: the event it reports and which copy it is.

- Two issues report the same event exactly when their ``event`` is equal: one story for the
  site. Look-alikes (``LOOK_ALIKES``) are events of the same kind that must stay apart.
- Two issues are the same copy (near-duplicates: reissues of a story, an agency story carried
  by a partner wire) exactly when their ``copy_key`` is equal. ``copy_of`` is the GUID of the
  original's first issue for a partner's copy; ``reissue_of`` the GUID of the story's own
  first issue for a reissue.
- ``note_kind`` / ``note``: the editor's note a reissue carries (see wiredesk.demo.render);
  neither should ever appear in a stored article's body.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass

from wiredesk.demo.render import headline, note_kind, note_text
from wiredesk.demo.stories import WIRES
from wiredesk.demo.timeline import Issue, Schedule, issue_at

__all__ = ["DeskIssue", "desk_issues", "by_event", "by_copy", "LOOK_ALIKES"]

# Pairs of events of one kind that share words, places or organisations but are different
# events: two fires, two council budgets, two 3-1 league results, two October inflation figures.
LOOK_ALIKES: tuple[tuple[str, str], ...] = (
    ("port-ellis-grain-store-fire", "kingsbridge-bus-depot-fire"),
    ("kingsbridge-budget-vote", "saltmarsh-bay-budget-vote"),
    ("gulls-v-rovers-league-match", "lowmere-beat-saltmarsh-bay"),
    ("tarnia-inflation-october", "westmark-inflation-october"),
)


@dataclass(frozen=True)
class DeskIssue:
    guid: str  # the feed item's id
    wire: str  # the wire's key: "harbour", "northlight", "meridian", "valley"
    slug: str  # the article slug: "story-slug" or "story-slug-r2"
    title: str  # the headline as sent in this issue
    published: int  # epoch seconds
    event: str  # the event reported; equal events make one story
    copy_key: str  # "wire:slug" of the original text; equal keys are the same copy
    copy_of: str | None  # GUID of the original's first issue, for a partner wire's verbatim copy
    cycle: int  # 0 for the first issue, n for the n-th reissue
    reissue_of: str | None  # GUID of this story's first issue, for a reissue
    note_kind: str | None  # "corrects", "adds", "updates", "repeats", "refiled" or None
    note: str | None  # the editor's note paragraph exactly as sent


def _guid(wire: str, slug: str) -> str:
    return f"tag:{wire}.wires.example,2026:story/{slug}"


def _truth(issue: Issue) -> DeskIssue:
    story, key = issue.story, issue.wire.key
    return DeskIssue(
        guid=issue.guid, wire=key, slug=issue.slug, title=headline(issue), published=issue.published,
        event=story.event, copy_key=story.copy_of or f"{key}:{story.slug}",
        copy_of=_guid(*story.copy_of.split(":", 1)) if story.copy_of else None,
        cycle=issue.cycle, reissue_of=_guid(key, story.slug) if issue.cycle else None,
        note_kind=note_kind(issue), note=note_text(issue),
    )


def desk_issues(schedules: Mapping[str, Schedule], now: float) -> list[DeskIssue]:
    """Every issue of every wire published by ``now``, oldest first (ties by wire key).

    ``schedules`` is ``DemoWires.schedules`` (``server.wires.schedules``): one per wire key.
    """
    found = [
        _truth(issue_at(WIRES[key], schedule, seq))
        for key, schedule in schedules.items()
        for seq in range(schedule.visible(now))
    ]
    return sorted(found, key=lambda item: (item.published, item.wire, item.guid))


def by_event(items: list[DeskIssue]) -> dict[str, list[DeskIssue]]:
    groups: dict[str, list[DeskIssue]] = defaultdict(list)
    for item in items:
        groups[item.event].append(item)
    return dict(groups)


def by_copy(items: list[DeskIssue]) -> dict[str, list[DeskIssue]]:
    groups: dict[str, list[DeskIssue]] = defaultdict(list)
    for item in items:
        groups[item.copy_key].append(item)
    return dict(groups)

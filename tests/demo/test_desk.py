"""The demo wires as a news desk sees them: one event from several wires, agency copies,
look-alike events and reissues with editor's notes, checked against the pools' ground truth."""

from __future__ import annotations

import difflib
import json
import re
from html import unescape
from itertools import combinations

import feedparser
import pytest

from tests.demo.desk import LOOK_ALIKES, by_copy, by_event, desk_issues
from tests.demo.test_content import copied_sentences
from wiredesk.demo.feeds import FEEDS
from wiredesk.demo.render import (
    NOTE_KINDS, body_html, headline, lead_text, note_kind, note_text, summary_text, text_paragraphs,
)
from wiredesk.demo.server import DemoWires
from wiredesk.demo.stories import WIRES, parse_pool
from wiredesk.demo.timeline import issue_at, issues_visible

START = 1_796_000_000  # 2026-11-29 22:13 UTC
MAKE_RUN_INTERVAL = 30  # `make run` starts the demo wires with their default: a story per wire every ~30 s
STORIES = [(key, story) for key, wire in WIRES.items() for story in wire.stories]
_NUMBER = re.compile(r"\d[\d,.:-]*\d|\d")
_NAME = re.compile(r"(?<![.!?“] )(?<!^)\b[A-Z][a-z]{2,}(?: [A-Z][a-z]+)*")


def schedules(interval: float = MAKE_RUN_INTERVAL):
    return DemoWires(interval=interval, clock=lambda: START).schedules


def facts(text: str) -> set[str]:
    """Numbers and names (capitalised words not opening a sentence): what sets one event apart."""
    return {n.rstrip(".,") for n in _NUMBER.findall(text)} | set(_NAME.findall(text))


def story_text(story) -> str:
    return " ".join((story.title, *story.paragraphs))


def paragraphs(html: str) -> list[str]:
    return [unescape(p) for p in re.findall(r"<p>(.*?)</p>", html, re.S)]


def test_events_are_told_by_several_wires_in_their_own_words():
    events: dict[str, list] = {}
    for key, story in STORIES:
        events.setdefault(story.event, []).append((key, story))
    shared = {event: told for event, told in events.items() if len(told) > 1}
    for event, told in shared.items():
        assert len({key for key, _ in told}) == len(told), f"{event}: two write-ups on one wire"
    written = {event: [(k, s) for k, s in told if not s.copy_of] for event, told in shared.items()}
    several = {event: told for event, told in written.items() if len(told) >= 2}
    assert len(several) >= 12 and sum(len(t) for t in several.values()) >= 26
    assert sum(len(t) == 3 for t in several.values()) >= 2
    assert {k for told in several.values() for k, _ in told} == set(WIRES)
    for event, told in several.items():
        for (k1, a), (k2, b) in combinations(told, 2):
            # Different write-ups: own headline, own lead, not one sentence of eight words shared ...
            assert a.title != b.title and a.paragraphs[0] != b.paragraphs[0]
            assert copied_sentences(story_text(a), story_text(b)) == [], (event, k1, k2)
            assert difflib.SequenceMatcher(None, a.title, b.title).ratio() < 0.75, (event, a.title, b.title)
            # ... the same core facts: numbers, places, people.
            common = facts(story_text(a)) & facts(story_text(b))
            assert len(common) >= 4, (event, k1, k2, common)


def test_look_alikes_are_different_events_of_one_kind():
    events = {story.event: [] for _, story in STORIES}
    for _, story in STORIES:
        events[story.event].append(story)
    for one, other in LOOK_ALIKES:
        assert one != other and events[one] and events[other]
        text_one = " ".join(story_text(s) for s in events[one])
        text_other = " ".join(story_text(s) for s in events[other])
        facts_one, facts_other = facts(text_one), facts(text_other)
        # Something of the kind is shared (a word, a number, an organisation) ...
        assert facts_one & facts_other, (one, other)
        # ... but the places, people and figures of each are mostly its own.
        assert len(facts_one - facts_other) >= 5 and len(facts_other - facts_one) >= 5, (one, other)


def test_verbatim_copies_carry_the_original_text():
    copies = [(key, story) for key, story in STORIES if story.copy_of]
    assert len(copies) >= 2
    for key, story in copies:
        wire, slug = story.copy_of.split(":")
        original = next(s for s in WIRES[wire].stories if s.slug == slug)
        assert wire != key and original.event == story.event and not original.copy_of
        assert story.paragraphs[: len(original.paragraphs)] == original.paragraphs
        assert len(story.paragraphs) - len(original.paragraphs) <= 1  # at most a credit line
        assert story.title != original.title
        assert difflib.SequenceMatcher(None, story.title, original.title).ratio() > 0.85
    # Sent through the feeds, the body text after the lead is the same, bar the closing tags.
    sched = schedules()
    for key, story in copies:
        wire, slug = story.copy_of.split(":")
        seq_copy = next(n for n, s in enumerate(WIRES[key].stories) if s is story)
        seq_orig = next(n for n, s in enumerate(WIRES[wire].stories) if s.slug == slug)
        issue_copy, issue_orig = issue_at(WIRES[key], sched[key], seq_copy), issue_at(WIRES[wire], sched[wire], seq_orig)
        assert issue_copy.published > issue_orig.published  # the partner carries it after the agency sent it
        body_copy = paragraphs(body_html("http://w", issue_copy))
        body_orig = paragraphs(body_html("http://w", issue_orig))
        body_copy[0] = body_copy[0].removeprefix(lead_text(issue_copy))
        body_orig[0] = body_orig[0].removeprefix(lead_text(issue_orig))
        tags = {"(Harbour Wire)", "(Northlight Press)"}
        assert [p for p in body_copy if p not in tags] == [p for p in body_orig if p not in tags]


def _differences(before: tuple[str, ...], after: tuple[str, ...]) -> list[tuple[str, int, int, int, int]]:
    return [op for op in difflib.SequenceMatcher(None, before, after).get_opcodes() if op[0] != "equal"]


def test_reissues_carry_a_note_and_really_change_what_it_says():
    sched = schedules()
    seen = set()
    for key, wire in WIRES.items():
        size = len(wire.stories)
        for seq in range(size, 4 * size):
            issue = issue_at(wire, sched[key], seq)
            first = issue_at(wire, sched[key], seq % size)
            kind, note = note_kind(issue), note_text(issue)
            seen.add(kind)
            body = paragraphs(body_html("http://w", issue))
            summary = summary_text(issue)
            if wire.credit_tag_in_body:
                body = body[:-1]
            body = [p for p in body if not p.startswith("READ MORE: ")]
            if kind == "repeats":
                assert body[-1] == note and summary.endswith(" " + note)
                assert note.startswith("(Repeats story first sent on ") and note.endswith("; no change to text)")
                body = body[:-1]
            else:
                assert body[0] == note and summary.startswith(note + " ")
                body = body[1:]
            assert body[0].startswith(lead_text(issue))
            before, after = text_paragraphs(first), text_paragraphs(issue)
            assert tuple([body[0].removeprefix(lead_text(issue)), *body[1:]]) == after
            revision = issue.story.revision
            if kind in ("repeats", "refiled"):
                assert after == (before if revision is None else revision.apply(before))
                continue
            assert issue.cycle == 1 and note == revision.note and note.startswith(f"({kind.capitalize()} ")
            (change,) = _differences(before, after)
            if kind == "adds":
                assert change[0] == "insert" and change[4] - change[3] == 1
            elif kind == "updates":
                assert change[0] == "replace" and change[2] - change[1] == 1 == change[4] - change[3]
            else:  # corrects: one word or figure, nothing else
                old, new = before[change[1]].split(), after[change[3]].split()
                assert len(old) == len(new) and sum(a != b for a, b in zip(old, new)) == 1
    assert seen == set(NOTE_KINDS)


def test_headlines_change_slightly_on_some_reissues():
    sched = schedules()
    changed = []
    for key, wire in WIRES.items():
        size = len(wire.stories)
        for seq in range(size, 3 * size):
            issue = issue_at(wire, sched[key], seq)
            if headline(issue) != issue.story.title:
                changed.append((issue.story.title, headline(issue)))
    assert len(changed) >= 6
    punctuation_only = [(a, b) for a, b in changed if re.sub(r"\W", "", a) == re.sub(r"\W", "", b)]
    assert punctuation_only and len(punctuation_only) < len(changed)  # updates may reword


def _feed_items(wire, issues) -> list[dict]:
    body = FEEDS[wire.format](wire, issues, "http://w")
    if wire.format == "jsonfeed":
        return [{"id": i["id"], "summary": i["summary"], "html": i["content_html"]} for i in json.loads(body)["items"]]
    parsed = feedparser.parse(body)
    assert not parsed.bozo
    return [{"id": e.id, "summary": e.summary, "html": e.content[0].value if "content" in e else ""}
            for e in parsed.entries]


def test_every_feed_format_carries_the_notes_and_no_ground_truth():
    sched = schedules()
    now = START + 30 * 60  # every first reissue is out, and all issues fit in one feed of 200
    kinds_by_format: dict[str, set] = {}
    for key, wire in WIRES.items():
        issues = issues_visible(wire, sched[key], now, 200)
        raw = FEEDS[wire.format](wire, issues, "http://w").decode()
        assert '"event"' not in raw and "copy_of" not in raw and "copy_key" not in raw
        slugs = {s.slug for s in wire.stories}
        assert not any(s.event in raw for s in wire.stories if s.event not in slugs and len(s.event) > 12)
        items = {item["id"]: item for item in _feed_items(wire, issues)}
        for issue in issues:
            item, note = items[issue.guid], note_text(issue)
            if note is None:
                assert "Editor's note" not in item["summary"] and "(Repeats" not in item["summary"]
                continue
            kinds_by_format.setdefault(wire.format, set()).add(note_kind(issue))
            assert note in unescape(item["summary"])
            if wire.format != "rss-summary":
                assert f"<p>{note}</p>" in unescape(item["html"])
    assert set(kinds_by_format) == {"rss", "atom", "jsonfeed", "rss-summary"}
    assert set().union(*kinds_by_format.values()) == set(NOTE_KINDS)


def test_multi_wire_events_are_live_together_and_reissues_follow_within_the_hour():
    # At `make run`'s pace the events come in a dense stretch of the first minutes: every
    # write-up of an event within minutes of the others, many events open at once.
    items = desk_issues(schedules(), START + 3600)
    firsts = [i for i in items if i.cycle == 0]
    groups = {event: found for event, found in by_event(firsts).items() if len({i.wire for i in found}) > 1}
    assert len(groups) >= 12
    for event, found in groups.items():
        times = [i.published for i in found]
        assert max(times) - min(times) <= 5 * 60, event
        assert START <= min(times) and max(times) <= START + 15 * 60, event
    live = [sum(1 for found in groups.values() if min(i.published for i in found) <= t <= START + 15 * 60)
            for t in range(START, START + 15 * 60, 30)]
    assert max(live) == len(groups)
    # Reissues within the hour: on every wire, of every kind.
    reissues = [i for i in items if i.cycle]
    assert {i.wire for i in reissues if i.published <= START + 15 * 60} == set(WIRES)
    assert {i.note_kind for i in reissues} == set(NOTE_KINDS)


def test_desk_ground_truth_agrees_with_the_feeds():
    sched = schedules()
    now = START + 3600
    items = desk_issues(sched, now)
    assert len({i.guid for i in items}) == len(items)
    assert [i.published for i in items] == sorted(i.published for i in items)
    guids = {i.guid for i in items}
    for key, wire in WIRES.items():
        shown = [item["id"] for item in _feed_items(wire, issues_visible(wire, sched[key], now, 20))]
        assert set(shown) <= guids and len(shown) == 20
        assert [i.guid for i in items if i.wire == key][-20:][::-1] == shown
    for item in items:
        assert (item.reissue_of is None) == (item.cycle == 0) == (item.note_kind is None) == (item.note is None)
        assert item.reissue_of in guids | {None} and (item.copy_of is None or item.copy_of in guids)
    copies = by_copy(items)
    carried = [group for group in copies.values() if len({i.wire for i in group}) > 1]
    assert len(carried) >= 2
    for group in carried:
        (original,) = {i.guid for i in group if i.copy_of is None and i.cycle == 0}
        assert all(i.copy_of in (None, original) for i in group)
        assert len({i.event for i in group}) == 1


BASE = {"slug": "a-story", "event": "a-story", "title": "A story", "category": "Region", "author": "A. Writer",
        "dateline": "PORT ELLIS, Westmark", "paragraphs": ["One.", "Two.", "Three."]}


def _copy_of(ref: str) -> dict:
    entry = dict(BASE, category="News", copy_of=ref)
    del entry["paragraphs"]
    return entry


@pytest.mark.parametrize("entry, message", [
    ({k: v for k, v in BASE.items() if k != "event"}, "malformed"),
    (dict(BASE, event="Not A Key"), "event key"),
    (_copy_of("harbour:no-such-story"), "names no original"),
    (_copy_of("valley:tram-extension-opens-early"), "another demo wire"),
    (dict(BASE, copy_of="harbour:fire-guts-saltern-grain-warehouse"), "takes its original's paragraphs"),
    (_copy_of("northlight:westmark-inflation-eases-october"), "another event"),
    (_copy_of("nowhere:westmark-inflation-eases-october"), "another demo wire"),
    (dict(BASE, revision={"kind": "corrects", "note": "(Corrects x)", "paragraph": 1, "old": "Nine", "new": "Ten"}),
     "does not change"),
    (dict(BASE, revision={"kind": "retracts", "note": "(Retracts)", "paragraph": 1}), "kind"),
    (dict(BASE, revision={"kind": "adds", "note": "Adds", "paragraph": 1, "text": "New."}), "bracketed note"),
])
def test_pool_checks_refuse_unfit_entries(entry, message):
    assert parse_pool("valley", {"stories": [dict(BASE, category="News")]})  # the base entry is fit
    with pytest.raises(ValueError, match=message):
        parse_pool("valley", {"stories": [dict(entry, category="News")]})


def test_one_event_per_wire_and_copies_point_at_originals():
    twice = [dict(BASE, category="News"), dict(BASE, category="News", slug="b-story")]
    with pytest.raises(ValueError, match="event key of its own"):
        parse_pool("valley", {"stories": twice})
    carried = dict(BASE, category="News", event="westmark-inflation-october",
                   copy_of="northlight:westmark-inflation-eases-october", credit_line="(Northlight Press)")
    del carried["paragraphs"]
    (story,) = parse_pool("valley", {"stories": [carried]})
    original = next(s for s in WIRES["northlight"].stories if s.slug == "westmark-inflation-eases-october")
    assert story.paragraphs == (*original.paragraphs, "(Northlight Press)")
    with pytest.raises(ValueError, match="another demo wire"):
        parse_pool("northlight", {"stories": [dict(carried, slug="own")]})

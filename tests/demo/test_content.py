"""The demo story pools and the publication schedule, without a server."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from wiredesk.demo.render import body_html, lead_text, summary_text
from wiredesk.demo.stories import WIRES
from wiredesk.demo.timeline import Schedule, issue_at, issue_by_slug, issues_visible

SEED_PAGE = Path(__file__).resolve().parents[2].parent / "shared/reference/seed-page.txt"
SECTIONS = {"world", "business", "technology", "sports", "photo"}


def _words(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", text.lower().replace("\u2019", "'")))


def _sentences(text: str, min_words: int = 8) -> list[str]:
    pieces = re.split(r"(?<=[.!?\u201d\"])\s+|\n+", text)
    return [w for w in (_words(p) for p in pieces) if len(w.split()) >= min_words]


def copied_sentences(reference: str, corpus: str) -> list[str]:
    """Sentences of 8 or more words shared by the two texts (either one's sentence found in the other)."""
    ref_words, corpus_words = f" {_words(reference)} ", f" {_words(corpus)} "
    return [s for s in _sentences(reference) if f" {s} " in corpus_words] + [
        s for s in _sentences(corpus) if f" {s} " in ref_words
    ]


def demo_corpus() -> str:
    return "\n".join(
        text
        for wire in WIRES.values()
        for story in wire.stories
        for text in (story.title, *story.paragraphs, story.image.caption if story.image else "")
    )


def test_pools_are_big_varied_and_mapped():
    assert len(WIRES) >= 4
    assert {w.format for w in WIRES.values()} == {"rss", "atom", "jsonfeed", "rss-summary"}
    for wire in WIRES.values():
        stories = wire.stories
        assert len(stories) >= 12, wire.key
        assert all(3 <= len(s.paragraphs) <= 6 for s in stories)
        sections = {wire.section_map[s.category] for s in stories}
        assert {"world", "business", "technology", "sports"} <= sections <= SECTIONS, wire.key
    # At least one wire names its categories differently from our sections.
    assert any(any(cat.lower() != sec for cat, sec in w.section_map.items()) for w in WIRES.values())
    kinds = {kind for w in WIRES.values() for s in w.stories
             for kind, on in (("dateline", s.dateline), ("caption", s.caption_place), ("photo", s.photo_credit)) if on}
    assert kinds == {"dateline", "caption", "photo"}
    assert sum(1 for w in WIRES.values() for s in w.stories if s.read_more) >= 8
    assert sum(1 for w in WIRES.values() for s in w.stories if s.image) >= 16


def test_no_sentence_copied_from_the_seed_page():
    planted = "A short line. " + WIRES["harbour"].stories[0].paragraphs[0].replace("Saturday", "SATURDAY")
    assert copied_sentences(planted, demo_corpus()), "the checker must notice a copied sentence"
    assert not copied_sentences(planted.replace("harbour", "river"), demo_corpus())
    if not SEED_PAGE.exists():
        pytest.skip("reference seed page not present")
    assert copied_sentences(SEED_PAGE.read_text(encoding="utf-8"), demo_corpus()) == []


def test_leads_render_in_wire_style():
    schedule = Schedule(start=1_796_000_000, interval=30)  # 2026-11-29
    northlight = WIRES["northlight"]
    caption = issue_at(northlight, schedule, 0)
    assert lead_text(caption) == "(261129) -- VELDHAVEN, Nov. 29, 2026 (Northlight) -- "
    photo = issue_at(northlight, schedule, 2)
    assert lead_text(photo) == "(Photo credit: Mara Quill-Northlight Images) "
    dateline = issue_at(WIRES["valley"], schedule, 0)
    assert lead_text(dateline) == "KINGSBRIDGE: "
    assert summary_text(dateline).endswith("budget of 410 million marks.")
    harbour = body_html("http://w", issue_at(WIRES["harbour"], schedule, 4))
    assert '<p>READ MORE: <a href="http://w/harbour/stories/tide-gauges-feed-live-flood-map.html">' in harbour
    assert harbour.endswith("<p>(Harbour Wire)</p>")
    marrow = next(n for n, s in enumerate(northlight.stories) if s.slug == "marrow-and-finch-cuts-forecast")
    escaped = body_html("http://w", issue_at(northlight, schedule, marrow))
    assert "Marrow &amp; Finch" in escaped and "Marrow & Finch" not in escaped


def test_schedule_backdates_then_grows_one_per_interval():
    schedule = Schedule(start=1_000_000, interval=30, initial=6, phase=0.4, backdate=1800, salt="x")
    times = [schedule.published(seq) for seq in range(300)]
    assert times == sorted(times)
    assert times[0] < 1_000_000 - 2 * 3600 and times[5] < 1_000_000 <= times[6] - 1
    gaps = [b - a for a, b in zip(times[6:], times[7:])]
    assert 20 <= min(gaps) and max(gaps) <= 40
    assert schedule.visible(1_000_000) == 6
    assert schedule.visible(1_000_000 + 30 * 10) in (15, 16, 17)
    for now in range(999_000, 1_003_000, 7):
        count = schedule.visible(now)
        assert times[count - 1] <= now < times[count]


def test_reissues_get_new_guids_urls_times_and_text():
    wire = WIRES["meridian"]
    schedule = Schedule(start=1_000_000, interval=30)
    size = len(wire.stories)
    first, again = issue_at(wire, schedule, 3), issue_at(wire, schedule, 3 + size)
    assert again.story == first.story and again.cycle == 1
    assert again.guid != first.guid and again.slug == f"{first.slug}-r1"
    assert again.published > first.published
    assert body_html("http://w", again) != body_html("http://w", first)
    later = schedule.start + 3600 * 3
    visible = issues_visible(wire, schedule, later, limit=500)
    assert len({i.guid for i in visible}) == len(visible) > 3 * size
    assert issue_by_slug(wire, schedule, again.slug, later) == again
    assert issue_by_slug(wire, schedule, again.slug, schedule.start) is None

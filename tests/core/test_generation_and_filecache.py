"""The content generation inside a batched refresh, and the embedded file cache's culling."""

from __future__ import annotations

import time

import pytest
from django.core.cache import cache

from wiredesk.core import generation
from wiredesk.core.filecache import SharedFileCache
from wiredesk.core.generation import changes_batched, content_changed, content_generation


@pytest.fixture(autouse=True)
def fresh_generation():
    cache.delete(generation.KEY)
    yield
    cache.delete(generation.KEY)


def test_outside_a_batch_every_change_starts_a_generation():
    seen = {content_generation()}
    for _ in range(3):
        content_changed()
        seen.add(content_generation())
    assert len(seen) == 4


def test_a_batch_announces_the_first_change_at_once_and_the_rest_at_its_end(monkeypatch):
    monkeypatch.setattr(generation, "BATCH_SECONDS", 60.0)
    before = content_generation()
    with changes_batched():
        content_changed()
        first = content_generation()
        assert first != before  # readers see the first story at once
        content_changed()
        content_changed()
        assert content_generation() == first  # the next ones wait for the batch
        with changes_batched():  # nested blocks belong to the outer one
            content_changed()
        assert content_generation() == first
    assert content_generation() != first  # and are announced when it ends


def test_a_long_batch_still_announces_changes_every_few_seconds(monkeypatch):
    monkeypatch.setattr(generation, "BATCH_SECONDS", 0.2)
    with changes_batched():
        content_changed()
        first = content_generation()
        content_changed()
        assert content_generation() == first
        time.sleep(0.25)
        content_changed()
        assert content_generation() != first


def test_a_batch_without_changes_leaves_the_generation_alone():
    before = content_generation()
    with changes_batched():
        pass
    assert content_generation() == before


def test_a_failing_batch_still_announces_what_it_changed(monkeypatch):
    monkeypatch.setattr(generation, "BATCH_SECONDS", 60.0)
    with pytest.raises(RuntimeError), changes_batched():
        content_changed()
        first = content_generation()
        content_changed()
        raise RuntimeError("the refresh broke half-way")
    assert content_generation() != first


def test_the_file_cache_culls_at_most_every_interval(tmp_path, monkeypatch):
    store = SharedFileCache(str(tmp_path / "cache"), {"OPTIONS": {"MAX_ENTRIES": 10, "CULL_FREQUENCY": 2}})
    for i in range(10):
        store.set(f"k{i}", i)  # the first write scanned the (empty) folder
    for i in range(10, 30):
        store.set(f"k{i}", i)  # within the interval: no scan, so no cull
    assert len(store._list_cache_files()) == 30
    # Django's own backend would have culled on each of those writes.
    store._next_cull = 0.0
    store.set("k-last", "x")
    assert len(store._list_cache_files()) <= 16  # half culled, then the new entry
    assert store.get("k-last") == "x"

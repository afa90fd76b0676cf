"""A counter bumped whenever stored content changes: cached pages key on it.

Pages are cached per brand and path under the current generation, so when new articles land
every page is fresh on its next request, without hunting for the keys a change affects.
"""

from __future__ import annotations

from django.core.cache import cache

KEY = "content:generation"


def content_generation() -> int:
    """The current generation (created on first use)."""
    value = cache.get(KEY)
    if value is None:
        cache.add(KEY, 1, timeout=None)
        value = cache.get(KEY, 1)
    return int(value)


def content_changed() -> None:
    """Start a new generation (call on commit of any change readers can see)."""
    try:
        cache.incr(KEY)
    except ValueError:  # not set yet (or evicted): any new value invalidates old keys
        cache.add(KEY, 2, timeout=None)

"""A counter bumped whenever stored content changes: cached pages key on it.

Pages are cached per brand and path under the current generation, so when new articles land
every page is fresh on its next request, without hunting for the keys a change affects.
"""

from __future__ import annotations

import secrets

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
    """Start a new generation (call on commit of any change readers can see).

    A fresh random value rather than an increment: on the embedded file cache an increment
    is a read and a write, and two processes changing content at once could both write the
    same next number; two random values never collide, so no change goes unseen.
    """
    cache.set(KEY, secrets.randbits(62) | 1, timeout=None)

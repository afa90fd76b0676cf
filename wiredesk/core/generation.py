"""A counter bumped whenever stored content changes: cached pages key on it.

Pages are cached per brand and path under the current generation, so when new articles land
every page is fresh on its next request, without hunting for the keys a change affects.
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from contextlib import contextmanager

from django.core.cache import cache

from wiredesk.core.rediscache import CacheUnavailable

KEY = "content:generation"
log = logging.getLogger("wiredesk.core")


def content_generation() -> int:
    """The current generation (created on first use)."""
    value = cache.get(KEY)
    if value is None:
        try:
            cache.add(KEY, 1, timeout=None)
        except CacheUnavailable:
            # The shared cache is down: a fresh value every time, so no page is replayed that
            # might miss a change nobody could announce.
            return secrets.randbits(62) | 1
        value = cache.get(KEY, 1)
    return int(value)


def content_changed() -> None:
    """Start a new generation (call on commit of any change readers can see).

    A fresh random value rather than an increment: on the embedded file cache an increment
    is a read and a write, and two processes changing content at once could both write the
    same next number; two random values never collide, so no change goes unseen.
    """
    batch = _batch.__dict__
    if batch.get("depth"):
        now = time.monotonic()
        if now - batch.get("last", float("-inf")) < BATCH_SECONDS:
            batch["pending"] = True
            return
        batch["last"], batch["pending"] = now, False
    try:
        cache.set(KEY, secrets.randbits(62) | 1, timeout=None)
    except OSError as exc:
        # The embedded file cache on a full or read-only disk. What changed is committed;
        # cached pages show it once their lifetime runs out (WIREDESK_PAGE_CACHE_SECONDS),
        # and the next change that can be written starts the generation.
        log.warning("content generation not started: the cache could not be written (%s)", exc.strerror or exc)


# A refresh storing hundreds of items would start as many generations, each a shared-cache
# write, and readers gain nothing from pages re-rendered every few milliseconds.
BATCH_SECONDS = 5.0
_batch = threading.local()


@contextmanager
def changes_batched():
    """Inside this block, content changes start a new generation at most every BATCH_SECONDS
    (so readers still see stories land during a long refresh), and once more at the end if
    any change is still unannounced. Per thread; blocks nest."""
    batch = _batch.__dict__
    batch["depth"] = batch.get("depth", 0) + 1
    try:
        yield
    finally:
        batch["depth"] -= 1
        if not batch["depth"]:
            pending = batch.pop("pending", False)
            batch.pop("last", None)
            if pending:
                content_changed()

"""The shared cache on Redis, degrading to "no cache" while Redis cannot be reached.

Pages, the rail and the host table are caches: with Redis down they are rendered and read
from the database instead, and readers are still served. What cannot degrade silently says
so: ``add`` and ``incr`` (rate-limit counters, first values) raise CacheUnavailable, which the
rate limiter turns into a refusal (fail closed) and the content generation into "render every
page".

After a failure Redis is left alone for RETRY_SECONDS (each request does not wait out a
timeout per cache call), then tried again; the client reconnects by itself. Writes that
announce a change (deletes, and values kept without expiry: the content generation) are
remembered while Redis is away and replayed, last one per key, once it answers again, so
Redis coming back with its old data does not bring back pages from before the outage.
Each outage is logged once a minute, not once per request.
"""

from __future__ import annotations

import logging
import threading
import time

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache

log = logging.getLogger("wiredesk.cache")

try:
    from redis.exceptions import ConnectionError as _RedisConnectionError
    from redis.exceptions import TimeoutError as _RedisTimeoutError

    UNREACHABLE: tuple[type[BaseException], ...] = (_RedisConnectionError, _RedisTimeoutError, OSError)
except ImportError:  # redis-py missing: then this backend is never configured
    UNREACHABLE = (OSError,)

RETRY_SECONDS = 5.0
PENDING_MAX = 1000  # change announcements kept for replay (the oldest dropped past this)
_MISS = object()


class CacheUnavailable(Exception):
    """The shared cache could not be reached for an operation that must not pretend."""


class _Down(Exception):
    """Redis is being left alone after a failure."""


class ResilientRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._lock = threading.Lock()
        self._down_until = 0.0
        self._logged_at = 0.0
        self._pending: dict[str, tuple[str, object, object]] = {}  # key -> ("set"|"delete", value, timeout)

    # --- the breaker ------------------------------------------------------------------------
    def _call(self, method, *args):
        if time.monotonic() < self._down_until:
            raise _Down()
        try:
            result = method(*args)
        except UNREACHABLE as exc:
            now = time.monotonic()
            self._down_until = now + RETRY_SECONDS
            if now - self._logged_at >= 60:
                self._logged_at = now
                log.warning("shared cache unreachable, serving without it error=%s", type(exc).__name__)
            raise _Down() from exc
        if self._pending:
            self._replay()
        return result

    def _remember(self, key: str, action: str, value=None, timeout=None) -> None:
        with self._lock:
            self._pending.pop(key, None)
            self._pending[key] = (action, value, timeout)
            while len(self._pending) > PENDING_MAX:
                self._pending.pop(next(iter(self._pending)))

    def _replay(self) -> None:
        with self._lock:
            pending, self._pending = self._pending, {}
        try:
            for key, (action, value, timeout) in pending.items():
                if action == "delete":
                    super().delete(key)
                else:
                    super().set(key, value, timeout)
        except UNREACHABLE:
            with self._lock:  # gone again: keep what was not replayed, newer entries first
                self._pending = {**pending, **self._pending}

    # --- reads: a miss ----------------------------------------------------------------------
    def get(self, key, default=None, version=None):
        try:
            return self._call(super().get, key, default, version)
        except _Down:
            return default

    def get_many(self, keys, version=None):
        try:
            return self._call(super().get_many, keys, version)
        except _Down:
            return {}

    def has_key(self, key, version=None):
        try:
            return self._call(super().has_key, key, version)
        except _Down:
            return False

    # --- writes: skipped (changes remembered) ------------------------------------------------
    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return self._call(super().set, key, value, timeout, version)
        except _Down:
            if timeout is None:  # kept without expiry: an announcement (the content generation)
                self._remember(key, "set", value, timeout)
            return None

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return self._call(super().set_many, data, timeout, version)
        except _Down:
            return list(data)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return self._call(super().touch, key, timeout, version)
        except _Down:
            return False

    def delete(self, key, version=None):
        try:
            return self._call(super().delete, key, version)
        except _Down:
            self._remember(key, "delete")
            return False

    def delete_many(self, keys, version=None):
        try:
            return self._call(super().delete_many, keys, version)
        except _Down:
            for key in keys:
                self._remember(key, "delete")
            return None

    def get_or_set(self, key, default, timeout=DEFAULT_TIMEOUT, version=None):
        value = self.get(key, _MISS, version)
        if value is not _MISS:
            return value
        value = default() if callable(default) else default
        if value is not None:
            try:
                self.add(key, value, timeout, version)
            except CacheUnavailable:
                pass  # computed once, not kept
        return value

    # --- what must not pretend ------------------------------------------------------------
    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return self._call(super().add, key, value, timeout, version)
        except _Down as exc:
            raise CacheUnavailable("the shared cache cannot be reached") from exc

    def incr(self, key, delta=1, version=None):
        try:
            return self._call(super().incr, key, delta, version)
        except _Down as exc:
            raise CacheUnavailable("the shared cache cannot be reached") from exc

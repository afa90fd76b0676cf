"""The shared cache on Redis, degrading to "no cache" while Redis cannot be reached.

Pages, the rail and the host table are caches: with Redis down they are rendered and read
from the database instead, and readers are still served. What cannot degrade silently says
so: ``add`` and ``incr`` (rate-limit counters, first values) raise CacheUnavailable, which the
rate limiter turns into a refusal (fail closed) and the content generation into "render every
page". Each outage is logged once a minute, not once per request. When Redis is back the
client reconnects on its own.
"""

from __future__ import annotations

import logging
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

_last_logged = 0.0


class CacheUnavailable(Exception):
    """The shared cache could not be reached for an operation that must not pretend."""


def _down(exc: BaseException) -> None:
    global _last_logged
    now = time.monotonic()
    if now - _last_logged >= 60:
        _last_logged = now
        log.warning("shared cache unreachable, serving without it error=%s", type(exc).__name__)


class ResilientRedisCache(RedisCache):
    def get(self, key, default=None, version=None):
        try:
            return super().get(key, default, version)
        except UNREACHABLE as exc:
            _down(exc)
            return default

    def get_many(self, keys, version=None):
        try:
            return super().get_many(keys, version)
        except UNREACHABLE as exc:
            _down(exc)
            return {}

    def has_key(self, key, version=None):
        try:
            return super().has_key(key, version)
        except UNREACHABLE as exc:
            _down(exc)
            return False

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return super().set(key, value, timeout, version)
        except UNREACHABLE as exc:
            _down(exc)
            return None

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return super().set_many(data, timeout, version)
        except UNREACHABLE as exc:
            _down(exc)
            return list(data)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return super().touch(key, timeout, version)
        except UNREACHABLE as exc:
            _down(exc)
            return False

    def delete(self, key, version=None):
        try:
            return super().delete(key, version)
        except UNREACHABLE as exc:
            _down(exc)
            return False

    def delete_many(self, keys, version=None):
        try:
            return super().delete_many(keys, version)
        except UNREACHABLE as exc:
            _down(exc)
            return None

    def get_or_set(self, key, default, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return super().get_or_set(key, default, timeout, version)
        except (CacheUnavailable, *UNREACHABLE) as exc:
            _down(exc)
            return default() if callable(default) else default

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return super().add(key, value, timeout, version)
        except UNREACHABLE as exc:
            _down(exc)
            raise CacheUnavailable(str(exc)) from exc

    def incr(self, key, delta=1, version=None):
        try:
            return super().incr(key, delta, version)
        except UNREACHABLE as exc:
            _down(exc)
            raise CacheUnavailable(str(exc)) from exc

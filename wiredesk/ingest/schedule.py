"""When to poll a source next: pure decisions over numbers and instants (no clock inside)."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass


@dataclass(frozen=True)
class Bounds:
    min_seconds: float
    max_seconds: float

    def clamp(self, seconds: float) -> float:
        return max(self.min_seconds, min(self.max_seconds, seconds))


def interval_after_success(
    *,
    published: list[dt.datetime],
    bounds: Bounds,
    ttl_seconds: int | None = None,
    rng: random.Random | None = None,
) -> float:
    """Seconds until the next poll, from how often the feed has been publishing.

    Half the mean gap between the recent items, so a feed that publishes hourly is polled
    about every 30 minutes; a quiet feed drifts towards the upper bound. The feed's own
    ``<ttl>`` is a floor (it asks us not to come back sooner), still within the bounds.
    """
    rng = rng or random.Random()
    stamps = sorted(published)
    if len(stamps) >= 2:
        span = (stamps[-1] - stamps[0]).total_seconds()
        gap = span / (len(stamps) - 1)
        seconds = gap / 2 if gap > 0 else bounds.min_seconds
    else:
        seconds = bounds.max_seconds / 4
    if ttl_seconds:
        seconds = max(seconds, float(ttl_seconds))
    # +-10 % jitter spreads sources that were added together over time.
    return bounds.clamp(seconds * rng.uniform(0.9, 1.1))


def interval_after_error(
    *, consecutive_errors: int, bounds: Bounds, rng: random.Random | None = None
) -> float:
    """Exponential backoff with full jitter: min * 2^(errors-1), capped at the upper bound."""
    rng = rng or random.Random()
    exponent = max(0, min(consecutive_errors - 1, 30))
    ceiling = bounds.clamp(bounds.min_seconds * (2**exponent))
    # Never below the minimum, so a failing feed is not hammered.
    return max(bounds.min_seconds, rng.uniform(ceiling / 2, ceiling))


def interval_after_retry_after(*, retry_after: float | None, bounds: Bounds) -> float:
    """Honour a 429/503 Retry-After (RFC 9110 10.2.3), clamped to the bounds."""
    if retry_after is None:
        return bounds.min_seconds
    return bounds.clamp(retry_after)

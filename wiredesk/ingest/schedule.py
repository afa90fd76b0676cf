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


# Publishing events (distinct publication instants) the rate is read from: few enough that a
# change of rate shows within a few items, enough that one odd gap does not swing it.
RATE_EVENTS = 5
# How much longer than the last one the next interval may be while the cadence is being learnt.
GROWTH = 2.0


def interval_after_success(
    *,
    published: list[dt.datetime],
    bounds: Bounds,
    now: dt.datetime | None = None,
    previous: float | None = None,
    ttl_seconds: int | None = None,
    rng: random.Random | None = None,
) -> float:
    """Seconds until the next poll, from how often the feed publishes now.

    The gap between publications is read from the newest RATE_EVENTS distinct publication
    instants up to ``now``: (now - the oldest of them) / (RATE_EVENTS - 1). Items stamped with one
    instant (a batch, or items without dates, which are stamped with the fetch time) are one
    event: a batch needs one poll. The time since the newest item counts as a gap still open,
    so a feed that falls silent is polled less and less often. The next poll comes after half
    that gap (a feed publishing hourly is polled about every 30 minutes).

    Old items never hide a new rate: a feed whose history says "hourly" and whose last few
    items came 30 seconds apart is read at its new rate. And while the cadence is being learnt
    the interval grows at most GROWTH times the ``previous`` one (the minimum for a source never
    polled), so a source is not left alone for hours on the strength of its backdated history.
    The feed's own ``<ttl>`` is a floor. All within the bounds, with +-10 % jitter.
    """
    rng = rng or random.Random()
    events = sorted({stamp.replace(microsecond=0) for stamp in published}, reverse=True)[:RATE_EVENTS]
    if events:
        now = max(now or events[0], events[0])
        span = (now - events[-1]).total_seconds()
        # The gaps between the events, the one still open included; one event: the open gap.
        seconds = span / max(len(events) - 1, 1) / 2
    else:
        seconds = bounds.max_seconds / 4
    seconds = min(seconds, GROWTH * max(previous or 0.0, bounds.min_seconds))
    if ttl_seconds:  # the feed asks not to be polled sooner
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

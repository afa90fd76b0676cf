"""When a brand's edition is due: pure, on aware instants and IANA zones (no ORM, no clock).

The brand's hour is wall-clock time in its own zone, so the edition follows daylight saving:
on the night clocks go forward past the hour, the first instant at or after it counts; on the
night they go back, the hour happens twice but the local date is one, and one edition per
(brand, date) is what the database allows.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

# A machine that was down at the brand's hour still sends that day's edition when it comes
# back within this long; later than that, the day is skipped rather than mailed at night.
GRACE = dt.timedelta(hours=6)


def local_date(now: dt.datetime, tz: ZoneInfo) -> dt.date:
    return now.astimezone(tz).date()


def due_at(date: dt.date, tz: ZoneInfo, hour: int) -> dt.datetime:
    """The first instant of ``date`` at or after ``hour`` o'clock local time, in UTC."""
    naive = dt.datetime.combine(date, dt.time(hour))
    existing = []
    for fold in (0, 1):
        utc = naive.replace(tzinfo=tz, fold=fold).astimezone(dt.timezone.utc)
        if utc.astimezone(tz).replace(tzinfo=None) == naive:
            existing.append(utc)
    if existing:
        # Twice in the fall-back overlap: the earlier is the hour's first instant.
        return min(existing)
    # Inside a spring-forward gap the hour does not exist. With fold=0 the wall time is read
    # with the offset in force before the gap, which gives the instant the clocks jumped:
    # the first instant after the hour.
    return naive.replace(tzinfo=tz, fold=0).astimezone(dt.timezone.utc)


def due_date(now: dt.datetime, tz: ZoneInfo, hour: int) -> dt.date | None:
    """The local date whose edition is due at ``now``, or None before the hour / after the grace.

    Yesterday counts too: a 22:00 edition whose machine comes back at 00:30 is still sent.
    """
    today = local_date(now, tz)
    for date in (today, today - dt.timedelta(days=1)):
        start = due_at(date, tz, hour)
        if start <= now < start + GRACE:
            return date
    return None

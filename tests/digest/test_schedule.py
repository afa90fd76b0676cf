"""When an edition is due: the brand's local hour, across daylight-saving changes."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from wiredesk.digest.schedule import GRACE, due_at, due_date

UTC = dt.timezone.utc
TORONTO = ZoneInfo("America/Toronto")
SYDNEY = ZoneInfo("Australia/Sydney")


def at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize(
    ("date", "tz", "hour", "expected"),
    [
        (dt.date(2026, 1, 15), TORONTO, 6, at(2026, 1, 15, 11)),  # EST, UTC-5
        (dt.date(2026, 7, 15), TORONTO, 6, at(2026, 7, 15, 10)),  # EDT, UTC-4
        (dt.date(2026, 7, 15), SYDNEY, 6, at(2026, 7, 14, 20)),  # AEST, UTC+10
        (dt.date(2026, 12, 15), SYDNEY, 6, at(2026, 12, 14, 19)),  # AEDT, UTC+11
        # Spring forward: 02:00 does not exist; the first instant after it is 03:00 EDT.
        (dt.date(2026, 3, 8), TORONTO, 2, at(2026, 3, 8, 7)),
        (dt.date(2026, 10, 4), SYDNEY, 2, at(2026, 10, 3, 16)),
        # Fall back: 01:00 happens twice; the first one counts.
        (dt.date(2026, 11, 1), TORONTO, 1, at(2026, 11, 1, 5)),
        (dt.date(2026, 4, 5), SYDNEY, 2, at(2026, 4, 4, 15)),
    ],
)
def test_due_at_is_the_first_instant_of_the_local_hour(date, tz, hour, expected):
    assert due_at(date, tz, hour) == expected


def test_due_date_before_at_and_after_the_hour():
    hour = 6
    start = at(2026, 7, 15, 10)  # 06:00 in Toronto
    assert due_date(start - dt.timedelta(seconds=1), TORONTO, hour) is None
    assert due_date(start, TORONTO, hour) == dt.date(2026, 7, 15)
    assert due_date(start + GRACE - dt.timedelta(seconds=1), TORONTO, hour) == dt.date(2026, 7, 15)
    # Too late in the day: skipped rather than mailed at night.
    assert due_date(start + GRACE, TORONTO, hour) is None


def test_the_same_utc_instant_is_a_different_local_date_per_brand():
    now = at(2026, 7, 15, 21)  # 07:00 on the 16th in Sydney, 17:00 on the 15th in Toronto
    assert due_date(now, SYDNEY, 6) == dt.date(2026, 7, 16)
    assert due_date(now, TORONTO, 17) == dt.date(2026, 7, 15)


def test_every_day_of_a_year_is_due_exactly_once_at_the_hour():
    # Walk a whole year in 15-minute steps in both zones: each local date becomes due, and
    # the first due instant is never before the local hour.
    for tz in (TORONTO, SYDNEY):
        first_due: dict[dt.date, dt.datetime] = {}
        now = at(2026, 1, 1)
        while now < at(2027, 1, 1):
            date = due_date(now, tz, 2)
            if date is not None:
                first_due.setdefault(date, now)
            now += dt.timedelta(minutes=15)
        assert len(first_due) >= 364
        for date, instant in first_due.items():
            local = instant.astimezone(tz)
            assert local.date() == date
            assert local.hour >= 2 and (local.hour, local.minute) <= (3, 0)


def test_a_late_evening_edition_is_still_due_after_local_midnight():
    start = due_at(dt.date(2026, 7, 15), TORONTO, 22)  # 22:00 on the 15th
    after_midnight = start + dt.timedelta(hours=2, minutes=30)  # 00:30 on the 16th
    assert due_date(after_midnight, TORONTO, 22) == dt.date(2026, 7, 15)
    assert due_date(start + GRACE, TORONTO, 22) is None

import datetime as dt

import pytest

from wiredesk.text.dates import month_number, parse_date, to_utc

UTC = dt.timezone.utc
NOW = dt.datetime(2025, 3, 30, 12, 0, tzinfo=UTC)


def tz(hours, minutes=0):
    return dt.timezone(dt.timedelta(hours=hours, minutes=minutes))


def test_to_utc_none_is_now():
    assert to_utc(None, now=NOW) == NOW


def test_to_utc_naive_is_utc():
    result = to_utc(dt.datetime(2025, 3, 30, 9, 0), now=NOW)
    assert result == dt.datetime(2025, 3, 30, 9, 0, tzinfo=UTC)
    assert result.tzinfo is UTC


def test_to_utc_converts_offset():
    result = to_utc(dt.datetime(2025, 3, 30, 19, 0, tzinfo=tz(10)), now=NOW)
    assert result == dt.datetime(2025, 3, 30, 9, 0, tzinfo=UTC)
    assert result.utcoffset() == dt.timedelta(0)


def test_to_utc_clamps_future_to_now():
    assert to_utc(dt.datetime(2025, 3, 31, tzinfo=UTC), now=NOW) == NOW
    # 20:00 at GMT+10 is 10:00 UTC: in the past, kept.
    assert to_utc(dt.datetime(2025, 3, 30, 20, 0, tzinfo=tz(10)), now=NOW) == dt.datetime(2025, 3, 30, 10, 0, tzinfo=UTC)


def test_to_utc_accepts_naive_now_and_returns_utc():
    result = to_utc(None, now=dt.datetime(2025, 3, 30, 12, 0))
    assert result == NOW and result.tzinfo is UTC


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Tue, 25 Nov 2021 19:49:00 GMT", dt.datetime(2021, 11, 25, 19, 49, tzinfo=UTC)),
        ("Thu, 25 Nov 2021 19:49:00 +1000", dt.datetime(2021, 11, 25, 19, 49, tzinfo=tz(10))),
        ("25 Nov 2021, 19:49 GMT+10", dt.datetime(2021, 11, 25, 19, 49, tzinfo=tz(10))),
        ("25 Nov 2021 19:49 EST", dt.datetime(2021, 11, 25, 19, 49, tzinfo=tz(-5))),
        ("Sun, 30 Mar 2025 10:00:00 AEST", dt.datetime(2025, 3, 30, 10, 0, tzinfo=tz(10))),
        ("Sun, 30 Mar 2025 10:00 GMT-3:30", dt.datetime(2025, 3, 30, 10, 0, tzinfo=tz(-3, -30))),
        ("Sun, 30 Mar 2025 10:00:00 +0000 (UTC)", dt.datetime(2025, 3, 30, 10, 0, tzinfo=UTC)),
        ("Tue, 25 Nov 2021 19:49:00 -0000", dt.datetime(2021, 11, 25, 19, 49, tzinfo=UTC)),
        ("30 Mar 25 10:00 GMT", dt.datetime(2025, 3, 30, 10, 0, tzinfo=UTC)),
        ("30 Mar 99 10:00 GMT", dt.datetime(1999, 3, 30, 10, 0, tzinfo=UTC)),
        ("Sun, 30 Mar 2025 10:00:00", dt.datetime(2025, 3, 30, 10, 0, tzinfo=UTC)),
        ("March 30, 2025 at 4:05 pm EDT", dt.datetime(2025, 3, 30, 16, 5, tzinfo=tz(-4))),
        ("Sept. 3, 2024", dt.datetime(2024, 9, 3, tzinfo=UTC)),
        ("2025-03-30T10:15:00Z", dt.datetime(2025, 3, 30, 10, 15, tzinfo=UTC)),
        ("2025-03-30t10:15:00z", dt.datetime(2025, 3, 30, 10, 15, tzinfo=UTC)),
        ("2025-03-30T10:15:00.250+02:00", dt.datetime(2025, 3, 30, 10, 15, 0, 250000, tzinfo=tz(2))),
        ("2025-03-30 10:15:00 +0200", dt.datetime(2025, 3, 30, 10, 15, tzinfo=tz(2))),
        ("20250330T101500Z", dt.datetime(2025, 3, 30, 10, 15, tzinfo=UTC)),
        ("2025-03-30", dt.datetime(2025, 3, 30, tzinfo=UTC)),
        ("2025-03-30T10:15:00", dt.datetime(2025, 3, 30, 10, 15, tzinfo=UTC)),
    ],
)
def test_parse_date(text, expected):
    result = parse_date(text)
    assert result == expected
    assert result.utcoffset() == expected.utcoffset()


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "hello",
        "12",
        "2025",
        "Mon, 31 Feb 2025 10:00:00 GMT",
        "2025-02-30",
        "2025-13-01",
        "Sun, 30 Mar 2025 25:00:00 GMT",
        "Sun, 30 Mar 2025 10:00:00 XYZ",
        "Sun, 30 Mar 2025 10:00:00 +1900",
        "30 Mayday 2025",
        "0001-01-01T00:00:00Z",
        "13:00 pm 30 Mar 2025",
    ],
)
def test_parse_date_rejects_garbage(text):
    assert parse_date(text) is None


@pytest.mark.parametrize(("name", "number"), [("Mar", 3), ("march", 3), ("Sept.", 9), ("DEC", 12), ("Marc", None)])
def test_month_number(name, number):
    assert month_number(name) == number

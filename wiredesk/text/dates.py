"""Feed dates: parse the spellings wires use, store them as aware UTC."""

from __future__ import annotations

import datetime as dt
import math
import re

UTC = dt.timezone.utc
# Feeds use year 1 or 1900 as a "no date" placeholder; nothing real is older.
MIN_YEAR = 1900

_MONTH_NAMES = (
    "january", "february", "march", "april", "may", "june",
    "july", "august", "september", "october", "november", "december",
)  # fmt: skip
# Full names and three-letter abbreviations only ("Sept" too), so a word that
# merely starts like a month ("Mayday") is not read as one.
_MONTHS = {name: i for i, name in enumerate(_MONTH_NAMES, 1)}
_MONTHS.update({name[:3]: i for i, name in enumerate(_MONTH_NAMES, 1)})
_MONTHS["sept"] = 9

# Zone abbreviations. RFC 822 names only UT/GMT and the four US zones; the rest
# are what wires in Europe and Asia-Pacific actually send. Ambiguous ones (IST:
# India or Ireland, CST: US or China) take the RFC 822 or commonest reading.
_ZONES = {
    "UT": 0, "UTC": 0, "GMT": 0, "Z": 0, "WET": 0,
    "EST": -5, "EDT": -4, "CST": -6, "CDT": -5, "MST": -7, "MDT": -6,
    "PST": -8, "PDT": -7, "AKST": -9, "AKDT": -8, "HST": -10,
    "BST": 1, "CET": 1, "WEST": 1, "CEST": 2, "EET": 2, "EEST": 3, "MSK": 3,
    "IST": 5.5, "HKT": 8, "SGT": 8, "AWST": 8, "JST": 9, "KST": 9,
    "ACST": 9.5, "AEST": 10, "ACDT": 10.5, "AEDT": 11, "NZST": 12, "NZDT": 13,
}  # fmt: skip

# RFC 822 / RFC 2822 and the looser forms feeds really send, including the
# "25 Nov 2021, 19:49 GMT+10" style this platform displays (so it round-trips).
_RFC822 = re.compile(
    r"""^\s*
    (?:[A-Za-z]{3,9}\.?,?\s+)?                       # weekday, ignored
    (?:(?P<day>\d{1,2})\s+(?P<mon>[A-Za-z]{3,9})\.?  # 25 Nov
      |(?P<mon2>[A-Za-z]{3,9})\.?\s+(?P<day2>\d{1,2}))  # Nov 25
    ,?\s+(?P<year>\d{4}|\d{2})
    (?:,?\s+(?:at\s+)?
       (?P<hour>\d{1,2}):(?P<minute>\d{2})(?::(?P<second>\d{2})(?:\.\d+)?)?
       (?:\s*(?P<ampm>[AaPp])\.?[Mm]\.?)?)?
    (?:\s*(?P<zone>
        [+-]\d{2}:?\d{2}
      | (?:GMT|UTC|UT)\s*[+-]\d{1,2}(?::?\d{2})?
      | [A-Za-z]{1,5}))?
    \s*(?:\([^()]*\))?                               # "+0000 (UTC)" comment
    \s*$""",
    re.VERBOSE,
)
_OFFSET = re.compile(r"^(?:GMT|UTC|UT)?\s*([+-])(\d{1,2}):?(\d{2})?$")
_ISO_SPACED_ZONE = re.compile(r"\s+(Z|[+-]\d{2}:?\d{2})$")


_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)


def epoch_day(when: dt.datetime) -> int:
    """Days since the epoch of an aware instant, in UTC: the day rows are keyed by (story
    postings, copy bands, a story's first and last day)."""
    return (when - _EPOCH).days


def to_utc(value: dt.datetime | None, *, now: dt.datetime) -> dt.datetime:
    """Return value as aware UTC, using now when missing or in the future."""
    now = _aware(now).astimezone(UTC)
    if value is None:
        return now
    value = _aware(value).astimezone(UTC)
    # A publication time after the fetch is a wrong clock or zone at the source;
    # left alone it would pin the story to the top of every list.
    return min(value, now)


def parse_date(s: str) -> dt.datetime | None:
    """Return the aware datetime written in s (RFC 822 or ISO 8601), or None."""
    if not s or not s.strip():
        return None
    s = s.strip()
    parsed = _parse_iso(s)
    if parsed is None:
        parsed = _parse_rfc822(s)
    # feedparser's _parse_date is deliberately not a fallback: it rolls
    # overflowing fields over ("2025-13-01" -> 2026-01-01) and reads "12" as a
    # year, turning garbage into plausible-looking wrong dates.
    if parsed is None or parsed.year < MIN_YEAR:
        return None
    return parsed


def month_number(name: str) -> int | None:
    """Return 1-12 for an English month name or abbreviation ("Mar", "Sept."), else None."""
    return _MONTHS.get(name.strip().rstrip(".").lower())


def _aware(value: dt.datetime) -> dt.datetime:
    # Naive values come from sources that did not say; UTC is the only safe reading.
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def _parse_iso(s: str) -> dt.datetime | None:
    # RFC 3339 allows lower-case "t" and "z"; fromisoformat wants upper case.
    candidate = _ISO_SPACED_ZONE.sub(r"\1", s.upper())
    if not candidate[:4].isdigit():  # fromisoformat also takes "2025W13"-like
        return None  # inputs; requiring a leading year keeps this to dates
    try:
        parsed = dt.datetime.fromisoformat(candidate)
    except ValueError:
        return None
    return _aware(parsed)


def _parse_rfc822(s: str) -> dt.datetime | None:
    match = _RFC822.match(s)
    if not match:
        return None
    month = month_number(match["mon"] or match["mon2"])
    zone = _zone(match["zone"])
    if month is None or zone is None:
        return None
    year = int(match["year"])
    if len(match["year"]) == 2:  # RFC 2822 section 4.3: 00-49 -> 20xx, 50-99 -> 19xx
        year += 2000 if year < 50 else 1900
    hour = int(match["hour"] or 0)
    if match["ampm"]:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if match["ampm"].lower() == "p" else 0)
    try:
        return dt.datetime(
            year,
            month,
            int(match["day"] or match["day2"]),
            hour,
            int(match["minute"] or 0),
            int(match["second"] or 0),
            tzinfo=zone,
        )
    except ValueError:  # "31 Feb", "25:00"
        return None


def _zone(text: str | None) -> dt.tzinfo | None:
    if not text:
        return UTC  # no zone: RFC 2822 calls this unknown; UTC is the usual intent
    text = text.strip()
    if text.upper() in _ZONES:
        return dt.timezone(dt.timedelta(hours=_ZONES[text.upper()]))
    match = _OFFSET.match(text.upper())
    if not match:
        return None  # an unknown abbreviation: guessing would shift the time silently
    sign, hours, minutes = match.groups()
    # "+1000" reads as hhmm and "GMT+10" as hours only: the regex splits both.
    offset = dt.timedelta(hours=int(hours), minutes=int(minutes or 0))
    if offset > dt.timedelta(hours=14):  # no zone on Earth is further from UTC
        return None
    return dt.timezone(-offset if sign == "-" else offset)


def format_local(value: dt.datetime, tz: dt.tzinfo) -> str:
    """Show an instant in a site's zone with its offset: ``25 Nov 2021, 19:49 GMT+10``."""
    local = value.astimezone(tz)
    offset = local.utcoffset() or dt.timedelta(0)
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    hours, mins = divmod(abs(minutes), 60)
    zone = "GMT" if minutes == 0 else f"GMT{sign}{hours}" + (f":{mins:02d}" if mins else "")
    return f"{local.day} {local:%b %Y, %H:%M} {zone}"


def retry_when(seconds: float, *, now: dt.datetime, tz: dt.tzinfo) -> str:
    """When to try again, as a reader reads it: ``after 25 Nov 2021, 19:49 GMT+10 (in about 12 minutes)``.

    The time is rounded up to the minute, so trying at the minute shown always works.
    """
    seconds = max(1, math.ceil(seconds))
    at = now + dt.timedelta(seconds=seconds)
    if at.second or at.microsecond:
        at = at.replace(second=0, microsecond=0) + dt.timedelta(minutes=1)
    minutes = math.ceil(seconds / 60)
    if minutes < 120:
        span = f"{minutes} minute{'s' if minutes != 1 else ''}"
    else:
        hours = math.ceil(seconds / 3600)
        span = f"{hours} hours"
    return f"after {format_local(at, tz)} (in about {span})"

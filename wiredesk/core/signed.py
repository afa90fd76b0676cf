"""Random keys and the HMAC-signed tokens and stamps that carry them (one salt per purpose).

Used by every public link and form of the project (the daily email's confirm, unsubscribe
and preferences links, a news release's verify and status links and its draft key, and the
time traps of both forms): a token never carries a row id, a changed character fails the
signature check, and purposes with an expiry are timestamped.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from django.core import signing


def new_key() -> str:
    """The random identity a signed link carries (never a row id)."""
    return secrets.token_urlsafe(16)


class SignedKeys:
    """make/read tokens for a fixed set of purposes: {purpose: salt}, {purpose: max age}."""

    def __init__(self, salts: dict[str, str], max_ages: dict[str, int]) -> None:
        self.salts, self.max_ages = salts, max_ages

    def make(self, purpose: str, key: str) -> str:
        if purpose in self.max_ages:
            return signing.TimestampSigner(salt=self.salts[purpose]).sign(key)
        return signing.Signer(salt=self.salts[purpose]).sign(key)

    def read(self, purpose: str, token: str) -> str | None:
        """The key a token was made for, or None when it is altered, foreign or expired."""
        try:
            if purpose in self.max_ages:
                return signing.TimestampSigner(salt=self.salts[purpose]).unsign(token, max_age=self.max_ages[purpose])
            return signing.Signer(salt=self.salts[purpose]).unsign(token)
        except (signing.BadSignature, KeyError, TypeError):
            return None


def stamp_make(now: dt.datetime, *, salt: str, min_seconds: float | None = None) -> str:
    """A form's time trap: a signed record of when the form was shown (and, when it is not
    the form's usual one, the least time a person needs before sending it)."""
    value = f"{now.timestamp():.3f}" + (f"/{min_seconds:g}" if min_seconds is not None else "")
    return signing.Signer(salt=salt).sign(value)


def _stamp_read(stamp: str, *, salt: str) -> tuple[int, float | None] | None:
    """(when the form was shown, in whole milliseconds; its own minimum or None)."""
    try:
        shown, _, least = signing.Signer(salt=salt).unsign(stamp or "").partition("/")
        return round(float(shown) * 1000), (float(least) if least else None)
    except (signing.BadSignature, ValueError, OverflowError):
        return None


def _age(shown_ms: int, now: dt.datetime) -> float:
    # In whole milliseconds, as stamped: no float rounding moves a post across a limit.
    return (round(now.timestamp() * 1000) - shown_ms) / 1000


def stamp_age(stamp: str, now: dt.datetime, *, salt: str) -> float | None:
    """Seconds since the stamp was made, or None when it is missing or altered."""
    read = _stamp_read(stamp, salt=salt)
    return None if read is None else _age(read[0], now)


@dataclass(frozen=True)
class TimeTrap:
    """A public form's time trap: the form carries a signed stamp of when it was first shown,
    and a post sooner than ``min_seconds`` after that (a bot that never waits), or later than
    ``max_seconds``, or without a stamp of ours, is not taken.

    The stamp counts from the first showing: a form shown again (after an error, a "check",
    or a trap) carries the stamp it came with, so a person who pressed too quickly can press
    again at once. A form shown already filled in from the reader's previous step (the
    address typed into an article's promo box) is stamped with a minimum of its own, as
    nothing is left to type: a reader may rightly press its button at once.
    """

    salt: str
    min_seconds: float
    max_seconds: float

    def make(self, now: dt.datetime, *, min_seconds: float | None = None) -> str:
        return stamp_make(now, salt=self.salt, min_seconds=min_seconds)

    def age(self, stamp: str, now: dt.datetime) -> float | None:
        return stamp_age(stamp, now, salt=self.salt)

    def verdict(self, stamp: str, now: dt.datetime) -> str:
        """``ok``, ``fast`` (too soon), ``stale`` (too late) or ``bad`` (missing, altered, future)."""
        read = _stamp_read(stamp, salt=self.salt)
        if read is None:
            return "bad"
        age = _age(read[0], now)
        least = self.min_seconds if read[1] is None else min(read[1], self.min_seconds)
        if age < -1:  # a second of slack for the clocks of two machines
            return "bad"
        if max(age, 0.0) < least:
            return "fast"
        return "stale" if age > self.max_seconds else "ok"

    def carry(self, stamp: str | None, now: dt.datetime, *, min_seconds: float | None = None) -> str:
        """The stamp a form shown now carries: the one it came with while that is still
        good (or only early), else a new one (with ``min_seconds``, see make)."""
        if stamp and self.verdict(stamp, now) in ("ok", "fast"):
            return stamp
        return self.make(now, min_seconds=min_seconds)

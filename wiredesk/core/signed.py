"""Random keys and the HMAC-signed tokens and stamps that carry them (one salt per purpose).

Used by every public link and form of the project (the daily email's confirm, unsubscribe
and preferences links, a news release's verify and status links and its draft key, and the
time traps of both forms): a token never carries a row id, a changed character fails the
signature check, and purposes with an expiry are timestamped.
"""

from __future__ import annotations

import datetime as dt
import secrets

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


def stamp_make(now: dt.datetime, *, salt: str) -> str:
    """A form's time trap: a signed record of when the form was shown."""
    return signing.Signer(salt=salt).sign(f"{now.timestamp():.3f}")


def stamp_age(stamp: str, now: dt.datetime, *, salt: str) -> float | None:
    """Seconds since the stamp was made, or None when it is missing or altered."""
    try:
        return now.timestamp() - float(signing.Signer(salt=salt).unsign(stamp or ""))
    except (signing.BadSignature, ValueError):
        return None

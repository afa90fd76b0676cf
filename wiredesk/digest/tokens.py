"""Signed links for subscribers: HMAC over the subscriber's random key, one salt per purpose.

A token never carries a row id, and a changed character fails the signature check. The
confirmation link expires; unsubscribe and preferences links last as long as the subscriber
(mail is read weeks late, and RFC 8058 asks that one-click links keep working).
"""

from __future__ import annotations

from django.core import signing

CONFIRM_MAX_AGE = 48 * 3600
_SALTS = {
    "confirm": "wiredesk.digest.confirm",
    "unsubscribe": "wiredesk.digest.unsubscribe",
    "preferences": "wiredesk.digest.preferences",
}


def make_token(purpose: str, key: str) -> str:
    if purpose == "confirm":
        return signing.TimestampSigner(salt=_SALTS[purpose]).sign(key)
    return signing.Signer(salt=_SALTS[purpose]).sign(key)


def read_token(purpose: str, token: str) -> str | None:
    """The subscriber key a token was made for, or None when it is altered, foreign or expired."""
    try:
        if purpose == "confirm":
            return signing.TimestampSigner(salt=_SALTS[purpose]).unsign(token, max_age=CONFIRM_MAX_AGE)
        return signing.Signer(salt=_SALTS[purpose]).unsign(token)
    except (signing.BadSignature, KeyError, TypeError):
        return None

"""Signed links for subscribers: HMAC over the subscriber's random key, one salt per purpose.

A token never carries a row id, and a changed character fails the signature check. The
confirmation link expires; unsubscribe and preferences links last as long as the subscriber
(mail is read weeks late, and RFC 8058 asks that one-click links keep working).
"""

from __future__ import annotations

from wiredesk.core.signed import SignedKeys

CONFIRM_MAX_AGE = 48 * 3600
_KEYS = SignedKeys(
    {
        "confirm": "wiredesk.digest.confirm",
        "unsubscribe": "wiredesk.digest.unsubscribe",
        "preferences": "wiredesk.digest.preferences",
    },
    {"confirm": CONFIRM_MAX_AGE},
)
make_token = _KEYS.make
read_token = _KEYS.read

"""Signed links and hidden fields of news releases: HMAC over a random key, one salt per purpose.

A token never carries a row id, and a changed character fails the signature check. The
verification link expires; the status link lasts as long as the submission. The draft key
(which finds the images uploaded with a form that came back with an error) is signed into a
hidden field, so one visitor cannot name another's drafts.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.core import signing
from django.urls import reverse

VERIFY_MAX_AGE = 48 * 3600
# Drafts are purged after a day; a form older than that has nothing left to find.
DRAFT_MAX_AGE = 24 * 3600
_SALTS = {
    "verify": "wiredesk.releases.verify",
    "status": "wiredesk.releases.status",
    "draft": "wiredesk.releases.draft",
}
_EXPIRES = {"verify": VERIFY_MAX_AGE, "draft": DRAFT_MAX_AGE}


def make_token(purpose: str, key: str) -> str:
    """Sign a random key for one purpose (verify, status or draft)."""
    if purpose in _EXPIRES:
        return signing.TimestampSigner(salt=_SALTS[purpose]).sign(key)
    return signing.Signer(salt=_SALTS[purpose]).sign(key)


def read_token(purpose: str, token: str) -> str | None:
    """The key a token was made for, or None when it is altered, foreign or expired."""
    try:
        if purpose in _EXPIRES:
            return signing.TimestampSigner(salt=_SALTS[purpose]).unsign(token, max_age=_EXPIRES[purpose])
        return signing.Signer(salt=_SALTS[purpose]).unsign(token)
    except (signing.BadSignature, KeyError, TypeError):
        return None


def new_draft_key() -> str:
    """A fresh random key for the images of one form."""
    return secrets.token_urlsafe(16)


def brand_origin(brand) -> str:
    """Scheme, host and port of the brand's public site, for links that go out in mail."""
    port = f":{settings.PUBLIC_PORT}" if settings.PUBLIC_PORT else ""
    return f"{settings.PUBLIC_SCHEME}://{brand.primary_host}{port}"


def verify_url(submission) -> str:
    """The absolute verification link of a submission, on its brand's host."""
    path = reverse("release-verify", args=[make_token("verify", submission.key)])
    return brand_origin(submission.brand) + path


def status_path(submission) -> str:
    return reverse("release-status", args=[make_token("status", submission.key)])


def status_url(submission) -> str:
    """The absolute status link of a submission, on its brand's host."""
    return brand_origin(submission.brand) + status_path(submission)

"""Signed links and hidden fields of news releases: HMAC over a random key, one salt per purpose.

A token never carries a row id, and a changed character fails the signature check. The
verification link expires; the status link lasts as long as the submission. The draft key
(which finds the images uploaded with a form that came back with an error) is signed into a
hidden field, so one visitor cannot name another's drafts.
"""

from __future__ import annotations

from django.urls import reverse

from wiredesk.brands.selectors import brand_origin
from wiredesk.core.signed import SignedKeys

VERIFY_MAX_AGE = 48 * 3600
# Drafts are purged after a day; a form older than that has nothing left to find.
DRAFT_MAX_AGE = 24 * 3600
_KEYS = SignedKeys(
    {"verify": "wiredesk.releases.verify", "status": "wiredesk.releases.status", "draft": "wiredesk.releases.draft"},
    {"verify": VERIFY_MAX_AGE, "draft": DRAFT_MAX_AGE},
)
make_token = _KEYS.make  # verify, status or draft
read_token = _KEYS.read


def verify_url(submission) -> str:
    """The absolute verification link of a submission, on its brand's host."""
    path = reverse("release-verify", args=[make_token("verify", submission.key)])
    return brand_origin(brand=submission.brand) + path


def status_path(submission) -> str:
    return reverse("release-status", args=[make_token("status", submission.key)])


def status_url(submission) -> str:
    """The absolute status link of a submission, on its brand's host."""
    return brand_origin(brand=submission.brand) + status_path(submission)

"""Moderation changes state only through a POST that carries the CSRF token (reliability U6).

A moderator signed in, with CSRF checks enforced as a browser meets them: approve, decline,
the list's bulk actions and the digest's send-now, posted without a token (as a cross-site form would), answer 403 and change nothing; opening the
same addresses with GET (a link, a prefetch) changes nothing either.
"""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from tests.releases.helpers_moderation import (  # noqa: F401  (fixtures)
    HOST, decision_mail, make_submission, moderator, site, wire,
)
from wiredesk.digest.models import Edition
from wiredesk.releases.models import Submission

pytestmark = pytest.mark.django_db


@pytest.fixture
def csrf_client(moderator):
    client = Client(enforce_csrf_checks=True)
    client.force_login(moderator)
    return client


def test_approve_and_decline_without_the_token_are_refused_and_change_nothing(csrf_client, site, decision_mail):
    submission = make_submission(site)
    before = Submission.objects.get(pk=submission.pk).status
    for name, data in (("approve", {}), ("decline", {"reason": "Off topic for this site."})):
        url = reverse(f"admin:releases_submission_{name}", args=[submission.pk])
        assert csrf_client.post(url, data).status_code == 403, name
        assert csrf_client.get(url).status_code == 200  # the confirmation page, nothing more
        assert Submission.objects.get(pk=submission.pk).status == before, name
    changelist = reverse("admin:releases_submission_changelist")
    for action in ("approve_selected", "decline_selected"):
        response = csrf_client.post(changelist, {"action": action, "_selected_action": [submission.pk],
                                                 "confirm_decline": "1", "reason": "Off topic."})
        assert response.status_code == 403, action
    assert Submission.objects.get(pk=submission.pk).status == before
    assert decision_mail.messages == []  # nobody was told of a decision that was not taken


def test_the_digest_send_now_without_the_token_opens_no_edition(csrf_client, site):
    url = reverse("admin:digest_edition_send_now")
    assert csrf_client.post(url, {"brands": [site.pk]}).status_code == 403
    assert csrf_client.get(url, {"brands": [site.pk]}).status_code == 200  # the form, nothing more
    assert Edition.objects.count() == 0

"""Confirming a release through the signed link in the real email (GET and HEAD show a button,
only the POST changes anything), altered and foreign links, and the status page in each state."""

from __future__ import annotations

import datetime as dt
import re
import time

import pytest
from django.core import signing
from django.test import Client
from django.utils import timezone

from tests.releases.conftest import (
    HOST, OTHER, body_of, csrf_token_in, follow, link_in, parts, press_button, release_data,
)
from tests.web.factories import make_source, store
from wiredesk.releases.models import AuditEntry, Submission
from wiredesk.releases.tokens import make_token

pytestmark = pytest.mark.django_db

Status = Submission.Status


@pytest.fixture
def sent(client, brand, post_release, mail_sink):
    """A release sent through the form; returns (submission, verify link, status link)."""
    assert post_release(client, release_data()).status_code == 200
    text = parts(mail_sink.messages[0])[0]
    return Submission.objects.get(), link_in(text, "verify"), link_in(text, "status")


def altered(url: str) -> str:
    """The link with one character of its signature changed."""
    head, signature = url.rstrip("/").rsplit(":", 1)
    swapped = ("B" if signature[0] != "B" else "C") + signature[1:]
    return f"{head}:{swapped}/"


# --- verifying ----------------------------------------------------------------------------------


def test_opening_the_link_changes_nothing_and_the_button_verifies(client, sent):
    submission, verify, status = sent
    page = follow(client, verify)
    assert page.status_code == 200 and "no-store" in page["Cache-Control"]
    doc = body_of(page)
    assert "<h1>Confirm your news release</h1>" in doc
    assert '<p class="release-headline">Harbour Rowing Club opens its new boathouse</p>' in doc
    assert re.search(r'<form class="button-form" action="/releases/verify/[^"]+/" method="post">', doc)
    assert "Confirm my release</button>" in doc
    assert follow(client, verify, "head").status_code == 200
    submission.refresh_from_db()
    assert submission.status == Status.UNVERIFIED and submission.verified_at is None
    # Not in the moderation queue yet: the queue holds received releases and later states.
    assert not Submission.objects.exclude(status=Status.UNVERIFIED).exists()

    browser = Client(enforce_csrf_checks=True)
    token = csrf_token_in(body_of(follow(browser, verify)))
    done = follow(browser, verify, "post", data={"csrfmiddlewaretoken": token})
    assert done.status_code == 200
    doc = body_of(done)
    assert "<h1>Thank you: your release is with the editors</h1>" in doc
    submission.refresh_from_db()
    assert submission.status == Status.RECEIVED
    assert abs(submission.verified_at - timezone.now()) < dt.timedelta(minutes=1)
    # The page links to the status page (the same link the email carries).
    path = re.search(r'<a href="(/releases/status/[^"]+/)">Status of this release</a>', doc)[1]
    assert status.endswith(path)
    assert list(AuditEntry.objects.filter(submission=submission).values_list("action", flat=True).order_by("id")) == [
        "submitted", "verification mail queued", "verified"]

    # Pressing again (a second tab, a double click) keeps the first record.
    first = submission.verified_at
    assert follow(browser, verify, "post", data={"csrfmiddlewaretoken": token}).status_code == 200
    submission.refresh_from_db()
    assert submission.verified_at == first
    assert AuditEntry.objects.filter(action="verified").count() == 1
    # Opened again later, the link says so and offers no button.
    again = body_of(follow(client, verify))
    assert "<h1>This release is confirmed</h1>" in again
    assert "Confirm my release</button>" not in again and 'name="also"' not in again


def test_a_verified_release_moves_on_only_by_moderation(client, sent):
    submission, verify, _ = sent
    Submission.objects.filter(pk=submission.pk).update(status=Status.DECLINED)
    assert follow(client, verify, "post").status_code == 200
    submission.refresh_from_db()
    assert submission.status == Status.DECLINED and submission.verified_at is None


def test_the_button_needs_the_csrf_token(sent):
    submission, verify, _ = sent
    assert follow(Client(enforce_csrf_checks=True), verify, "post").status_code == 403
    submission.refresh_from_db()
    assert submission.status == Status.UNVERIFIED


@pytest.mark.parametrize("method", ["get", "head", "post"])
def test_an_altered_link_is_refused_and_changes_nothing(client, sent, method):
    submission, verify, _ = sent
    response = follow(client, altered(verify), method)
    assert response.status_code == 400
    if method == "get":
        assert "<h1>This link is not valid or has expired</h1>" in body_of(response)
    submission.refresh_from_db()
    assert submission.status == Status.UNVERIFIED and submission.verified_at is None


def test_foreign_expired_and_wrong_purpose_links_are_refused(client, sent, other_brand, monkeypatch):
    submission, verify, status = sent
    # The link of one brand does not work on another brand's host.
    assert follow(client, verify.replace(HOST, OTHER)).status_code == 400
    # The status link is not a verification link, nor the other way round; nor the bare key.
    assert follow(client, status.replace("/status/", "/verify/")).status_code == 400
    assert follow(client, verify.replace("/verify/", "/status/")).status_code == 400
    assert client.get(f"/releases/verify/{submission.key}/", HTTP_HOST=HOST).status_code == 400
    assert client.get(f"/releases/verify/{submission.pk}/", HTTP_HOST=HOST).status_code == 400
    # Two days and a minute later the verification link has expired.
    later = time.time() + 48 * 3600 + 60
    monkeypatch.setattr(signing.time, "time", lambda: later)
    assert follow(client, verify).status_code == 400
    submission.refresh_from_db()
    assert submission.status == Status.UNVERIFIED


def test_the_page_lists_only_the_addresss_own_waiting_releases(client, brand, other_brand, post_release, mail_sink):
    post_release(client, release_data(headline="The first release"))
    post_release(client, release_data(headline="The second release"))
    post_release(client, release_data(headline="From someone else", contact_email="else@quaypost.org"))
    post_release(client, release_data(headline="To the other brand"), host=OTHER)
    mine = parts(mail_sink.to("secretary@harbourrowing.org")[0])[0]
    doc = body_of(follow(client, link_in(mine, "verify")))
    listed = [h.strip() for h in re.findall(r'name="also" value="\d+" id="also-\d+"> ([^<]+)', doc)]
    assert listed == ["The second release"]
    # Ids of releases not listed are ignored when posted.
    others = list(Submission.objects.exclude(headline__in=["The first release", "The second release"]))
    press_button(link_in(mine, "verify"), {"also": [str(s.pk) for s in others]})
    assert Submission.objects.get(headline="The first release").status == Status.RECEIVED
    assert Submission.objects.get(headline="The second release").status == Status.UNVERIFIED
    assert {s.status for s in Submission.objects.filter(pk__in=[s.pk for s in others])} == {Status.UNVERIFIED}


# --- the status page ----------------------------------------------------------------------------


def status_page(client, submission) -> tuple[int, str]:
    response = client.get(f"/releases/status/{make_token('status', submission.key)}/", HTTP_HOST=HOST)
    return response.status_code, body_of(response)


def make_submission(brand, **fields) -> Submission:
    base = dict(brand=brand, category="event", headline="Regatta on Saturday", body="<p>Boats.</p>",
                contact_email="secretary@harbourrowing.org", contact_phone="+61 2 5550 1234")
    base.update(fields)
    return Submission.objects.create(**base)


def test_the_status_page_in_every_state(client, brand):
    cases = {
        Status.UNVERIFIED: "Waiting for you to confirm your email address.",
        Status.RECEIVED: "Received.",
        Status.IN_REVIEW: "In review.",
        Status.SCHEDULED: "Scheduled.",
        Status.PUBLISHED: "Published.",
        Status.DECLINED: "Declined.",
    }
    for state, words in cases.items():
        submission = make_submission(brand, status=state, headline=f"Release {state}")
        code, doc = status_page(client, submission)
        assert code == 200
        assert f'<p class="release-status release-status-{state}"><strong>\n{words}' in doc, (state, doc)
        assert f"Release {state}" in doc
        # The contact details are never on the page.
        assert "secretary@harbourrowing.org" not in doc and "5550 1234" not in doc


def test_received_and_scheduled_show_times_in_the_brands_zone(client, brand):
    received = make_submission(brand, status=Status.RECEIVED,
                               verified_at=dt.datetime(2030, 4, 20, 23, 30, tzinfo=dt.timezone.utc))
    assert "in the editors' queue since 21 Apr 2030, 09:30 GMT+10" in status_page(client, received)[1]
    scheduled = make_submission(brand, status=Status.SCHEDULED,
                                embargo_until=dt.datetime(2030, 1, 5, 21, 0, tzinfo=dt.timezone.utc))
    doc = status_page(client, scheduled)[1]
    assert ('will be published at <time datetime="2030-01-05T21:00:00+00:00">6 Jan 2030, 08:00 GMT+11</time>'
            in doc)
    soon = make_submission(brand, status=Status.SCHEDULED)
    assert "will be published soon" in status_page(client, soon)[1]


def test_published_links_to_the_article(client, brand):
    article = store(make_source("Harbour Releases"), "Harbour Rowing Club opens its new boathouse")
    published = make_submission(brand, status=Status.PUBLISHED, article=article,
                                published_at=dt.datetime(2030, 4, 21, 0, 0, tzinfo=dt.timezone.utc))
    doc = status_page(client, published)[1]
    assert f'<a href="/story/{article.id}-{article.slug}/">Read it on Harbour Herald</a>' in doc
    assert "21 Apr 2030, 10:00 GMT+10" in doc
    without = make_submission(brand, status=Status.PUBLISHED)
    assert "Read it on" not in status_page(client, without)[1]


def test_declined_shows_the_reason_escaped(client, brand):
    declined = make_submission(brand, status=Status.DECLINED,
                               decline_reason="It reads as an advertisement.\n\n<script>alert(1)</script>")
    doc = status_page(client, declined)[1]
    assert "<strong>Their reason:</strong>" in doc
    assert "<p>It reads as an advertisement.</p>" in doc
    assert "<script>alert(1)" not in doc and "&lt;script&gt;alert(1)&lt;/script&gt;" in doc


def test_altered_and_foreign_status_links_are_refused(client, brand, other_brand):
    submission = make_submission(brand, status=Status.RECEIVED)
    token = make_token("status", submission.key)
    good = client.get(f"/releases/status/{token}/", HTTP_HOST=HOST)
    assert good.status_code == 200 and "no-store" in good["Cache-Control"]
    swapped = token[:-1] + ("A" if token[-1] != "A" else "B")
    bad = client.get(f"/releases/status/{swapped}/", HTTP_HOST=HOST)
    assert bad.status_code == 400 and "not valid" in body_of(bad)
    assert client.get(f"/releases/status/{token}/", HTTP_HOST=OTHER).status_code == 400
    assert client.get(f"/releases/status/{make_token('verify', submission.key)}/", HTTP_HOST=HOST).status_code == 400
    assert client.post(f"/releases/status/{token}/", HTTP_HOST=HOST).status_code == 405
    submission.refresh_from_db()
    assert submission.status == Status.RECEIVED


def test_a_status_link_does_not_expire(client, brand, monkeypatch):
    submission = make_submission(brand, status=Status.RECEIVED)
    token = make_token("status", submission.key)
    later = time.time() + 400 * 24 * 3600
    monkeypatch.setattr(signing.time, "time", lambda: later)
    assert client.get(f"/releases/status/{token}/", HTTP_HOST=HOST).status_code == 200

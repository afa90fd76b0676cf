"""Personal data of a release: the contact block stays private unless the submitter asked, never
reaches a public page, feed, search result, sitemap or log line, and is purged after the
retention period."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from django.utils import timezone

from tests.releases.helpers_moderation import *  # noqa: F401,F403  (the fixtures)
from tests.releases.helpers_moderation import (
    add_image, admin_save, admin_url, article_path, make_submission, page, public_documents, teaser_titles,
)
from wiredesk.releases.models import AuditEntry, Submission
from wiredesk.releases.services import moderation

Status = Submission.Status

CANARY_PHONE = "+61 7 5550 9183 27"
CANARY_DIGITS = "5550918327"
CANARY_EMAIL = "canary.q7x2@lantern-rowing.net"
CANARY_NAME = "Philippa Quarrendon"


@pytest.fixture
def all_logs(caplog):
    """Every log line of the flow at DEBUG, the wiredesk loggers included (they do not propagate)."""
    caplog.set_level(logging.DEBUG)
    wiredesk = logging.getLogger("wiredesk")
    before = wiredesk.level
    wiredesk.setLevel(logging.DEBUG)
    wiredesk.addHandler(caplog.handler)
    yield caplog
    wiredesk.removeHandler(caplog.handler)
    wiredesk.setLevel(before)


# The test's own SMTP server (aiosmtpd logs as "mail.log") is the submitter's mailbox, not us.
HARNESS_LOGGERS = ("mail.log",)


def log_text(caplog) -> str:
    lines = []
    for record in caplog.records:
        if record.name in HARNESS_LOGGERS:
            continue
        lines.append(f"{record.name} {record.getMessage()}")
        if record.exc_text:
            lines.append(record.exc_text)
    return "\n".join(lines)


def assert_no_canary(text: str, where: str) -> None:
    flat = "".join(ch for ch in text if ch.isalnum() or ch in "@.")
    assert CANARY_EMAIL not in text, where
    assert CANARY_PHONE not in text and CANARY_DIGITS not in flat, where
    assert CANARY_NAME not in text and "Quarrendon" not in text, where


def test_the_canary_never_appears_in_public_or_in_the_logs(client, admin_client, site, moderator, decision_mail,
                                                            eager, django_capture_on_commit_callbacks,
                                                            release_media, all_logs):
    submission = make_submission(
        site, headline="Lantern regatta on the harbour", contact_name=CANARY_NAME, contact_phone=CANARY_PHONE,
        contact_email=CANARY_EMAIL, contact_organisation="Lantern Rowing Association", show_contact=False,
        embargo_until=timezone.now() + dt.timedelta(minutes=30),
    )
    add_image(submission, caption="Boats lit for the regatta", credit="Lantern Rowing Association")
    # The whole flow: an edit, the preview, approve (scheduled), the tick publishes, the email goes.
    with django_capture_on_commit_callbacks(execute=True):
        admin_save(admin_client, submission, headline="Lantern regatta lights up the harbour")
        assert admin_client.get(admin_url(submission, "preview")).status_code == 200
        assert admin_client.post(admin_url(submission, "approve")).status_code == 302
    with django_capture_on_commit_callbacks(execute=True):
        moderation.submissions_tick(now=timezone.now() + dt.timedelta(hours=1))
    submission.refresh_from_db()
    assert submission.status == Status.PUBLISHED
    article = submission.article
    assert article.author == "Lantern Rowing Association"

    # The submitter did get the decision, at the canary address: mail is the one place it goes.
    (mail,) = decision_mail.messages
    assert mail.rcpt_tos == [CANARY_EMAIL]

    anonymous = client.__class__()
    documents = public_documents(anonymous, article, query="regatta")
    assert "Lantern regatta lights up the harbour" in teaser_titles(documents["search"])
    assert "Lantern regatta lights up the harbour" in documents["section-rss"]
    for name, doc in documents.items():
        assert_no_canary(doc, name)
    # Searching for the canary itself finds nothing.
    for query in ("Quarrendon", "canary.q7x2", "5550"):
        assert teaser_titles(page(anonymous, f"/search/?q={query}")) == [], query
    from wiredesk.digest.render import preview_parts

    digest = preview_parts(site, timezone.now() + dt.timedelta(hours=2))
    assert digest is not None and "Lantern regatta" in digest.text
    assert_no_canary(digest.text + digest.html, "daily email")

    assert_no_canary(log_text(all_logs), "log lines")
    assert "release published submission_id=" in log_text(all_logs)  # the logs were captured


def test_the_contact_block_is_public_only_when_asked_for(client, site, moderator):
    submission = make_submission(site, contact_name=CANARY_NAME, contact_phone=CANARY_PHONE,
                                 contact_email=CANARY_EMAIL, show_contact=True)
    moderation.submission_approve(submission=submission, actor=moderator)
    doc = page(client, article_path(article_of(submission)))
    assert CANARY_NAME in doc and CANARY_PHONE in doc and CANARY_EMAIL in doc


def article_of(submission):
    submission.refresh_from_db()
    return submission.article


# --- retention ---------------------------------------------------------------------------------------

def _age(submission, days: int) -> None:
    Submission.objects.filter(pk=submission.pk).update(created_at=timezone.now() - dt.timedelta(days=days))


def test_contact_details_are_purged_after_the_retention_period(settings, site, moderator):
    settings.RELEASES = {**settings.RELEASES, "retention_days": 90}
    published = make_submission(site, contact_name=CANARY_NAME, contact_email=CANARY_EMAIL,
                                contact_phone=CANARY_PHONE, contact_organisation="Lantern Rowing Association")
    moderation.submission_approve(submission=published, actor=moderator)
    declined = make_submission(site, contact_organisation="Quiet Holdings")
    moderation.submission_decline(submission=declined, actor=moderator, reason="Not news.")
    unverified = make_submission(site, status=Status.UNVERIFIED, verified_at=None)
    recent = make_submission(site, contact_name="Recent Person")
    for old in (published, declined, unverified):
        _age(old, 91)
    _age(recent, 89)

    now = timezone.now()
    assert moderation.submissions_tick(now=now)["purged"] == 3
    for old in (published, declined, unverified):
        old.refresh_from_db()
        assert (old.contact_name, old.contact_email, old.contact_phone) == ("", "", "")
        assert old.contact_purged_at == now
        (entry,) = AuditEntry.objects.filter(submission=old, action="purge")
        assert entry.actor is None and entry.detail == "contact details purged after 90 days"
    # The organisation stays where it is credited in public, and goes where it is not.
    assert published.contact_organisation == "Lantern Rowing Association"
    assert declined.contact_organisation == "" and unverified.contact_organisation == ""
    recent.refresh_from_db()
    assert recent.contact_name == "Recent Person" and recent.contact_purged_at is None
    # Once only.
    assert moderation.submissions_tick(now=now + dt.timedelta(minutes=1))["purged"] == 0
    assert AuditEntry.objects.filter(action="purge").count() == 3


def test_the_purged_contact_is_gone_from_the_admin_too(admin_client, settings, site):
    settings.RELEASES = {**settings.RELEASES, "retention_days": 30}
    submission = make_submission(site, contact_name=CANARY_NAME, contact_email=CANARY_EMAIL,
                                 contact_phone=CANARY_PHONE)
    assert CANARY_EMAIL in admin_client.get(admin_url(submission)).content.decode()  # staff see it until then
    _age(submission, 31)
    moderation.submissions_tick()
    doc = admin_client.get(admin_url(submission)).content.decode()
    assert_no_canary(doc, "admin change page")

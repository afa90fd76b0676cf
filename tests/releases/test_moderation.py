"""Moderation in the admin: the queue, edits, the preview, approve (now or at the embargo),
decline with a reason emailed to the submitter, the scheduled tick, and the audit log."""

from __future__ import annotations

import datetime as dt

import lxml.html
import pytest
from django.utils import timezone

from tests.releases.helpers_moderation import *  # noqa: F401,F403  (the fixtures)
from tests.releases.helpers_moderation import (
    add_image, admin_save, admin_url, article_path, aware, make_submission, page, teaser_titles,
)
from wiredesk.releases.models import AuditEntry, Submission, SubmissionImage
from wiredesk.releases.services import moderation
from wiredesk.sources.models import Source
from wiredesk.stories.models import Article
from wiredesk.web.middleware import content_security_policy

Status = Submission.Status
LIST = "/admin/releases/submission/"


def actions_of(submission) -> list[tuple[str, str | None]]:
    """The audit log, oldest first, as (action, username)."""
    entries = AuditEntry.objects.filter(submission=submission).order_by("at", "id").select_related("actor")
    return [(e.action, e.actor.username if e.actor else None) for e in entries]


def message_parts(received) -> tuple[str, str]:
    msg = received.message
    return msg.get_body(("plain",)).get_content(), msg.get_body(("html",)).get_content()


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks):
    """Run what is queued after the commit (the decision email) as the request ends."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


# --- the queue ----------------------------------------------------------------------------------

def test_the_queue_lists_verified_submissions_with_their_checks(admin_client, site):
    waiting = make_submission(site, headline="Waiting for a moderator")
    make_submission(site, headline="Address never confirmed", status=Status.UNVERIFIED, verified_at=None)
    doc = admin_client.get(LIST).content.decode()
    assert "Waiting for a moderator" in doc and "Address never confirmed" not in doc
    assert "1 ok" in doc and "1 to look at" in doc and "Written in the first person in places." in doc
    unverified = admin_client.get(LIST + "?state=unverified").content.decode()
    assert "Address never confirmed" in unverified and "Waiting for a moderator" not in unverified
    everything = admin_client.get(LIST + "?state=all").content.decode()
    assert "Address never confirmed" in everything and "Waiting for a moderator" in everything
    queue = admin_client.get(LIST + "?state=queue").content.decode()
    assert "Waiting for a moderator" in queue
    change = admin_client.get(admin_url(waiting)).content.decode()
    assert "TO LOOK AT" in change and "third_person" in change


def test_the_queue_is_staff_only(client, site, django_user_model):
    submission = make_submission(site)
    for path in (LIST, admin_url(submission), admin_url(submission, "preview"), admin_url(submission, "approve")):
        response = client.get(path)
        assert response.status_code == 302 and "/admin/login/" in response["Location"]
    reader = django_user_model.objects.create_user("reader", password="y" * 24)
    client.force_login(reader)
    assert client.get(admin_url(submission, "preview")).status_code == 302
    assert client.post(admin_url(submission, "approve")).status_code == 302
    submission.refresh_from_db()
    assert submission.status == Status.RECEIVED and not AuditEntry.objects.exists()


def test_staff_without_permission_cannot_act(client, site, django_user_model):
    submission = make_submission(site)
    staff = django_user_model.objects.create_user("intern", password="z" * 24, is_staff=True)
    client.force_login(staff)
    assert client.get(admin_url(submission, "preview")).status_code == 403
    assert client.post(admin_url(submission, "approve")).status_code == 403
    assert client.post(admin_url(submission, "decline"), {"reason": "No."}).status_code == 403
    submission.refresh_from_db()
    assert submission.status == Status.RECEIVED


# --- edits ------------------------------------------------------------------------------------------

def test_an_edit_is_saved_and_audited_by_field_name(admin_client, site, moderator, release_media):
    submission = make_submission(site)
    image = add_image(submission, caption="Old caption")
    response = admin_save(admin_client, submission, headline="Night ride moves to Saturday",
                          **{"images-0-caption": "Riders on the promenade"})
    assert response.status_code == 302, response.content.decode()[:3000]
    submission.refresh_from_db()
    image.refresh_from_db()
    assert submission.headline == "Night ride moves to Saturday" and image.caption == "Riders on the promenade"
    assert submission.status == Status.IN_REVIEW
    (entry,) = AuditEntry.objects.filter(submission=submission)
    assert entry.action == "edit" and entry.actor == moderator
    assert entry.detail == f"changed: headline, image {image.pk} caption"
    assert "Night ride" not in entry.detail  # names, never values
    change = admin_client.get(admin_url(submission)).content.decode()
    assert "changed: headline" in change  # the audit log is on the page, read-only
    assert 'name="audit-0-detail"' not in change


def test_a_save_without_changes_writes_no_audit_entry(admin_client, site):
    submission = make_submission(site)
    assert admin_save(admin_client, submission).status_code == 302
    assert not AuditEntry.objects.filter(submission=submission).exists()


def test_the_embargo_is_edited_in_the_brands_time_zone(admin_client, site):
    submission = make_submission(site)  # the brand is in Australia/Sydney (UTC+11 in January)
    response = admin_save(admin_client, submission, embargo_until_0="2031-01-02", embargo_until_1="09:30:00")
    assert response.status_code == 302
    submission.refresh_from_db()
    assert submission.embargo_until == aware(2031, 1, 1, 22, 30)
    change = admin_client.get(admin_url(submission)).content.decode()
    assert 'value="2031-01-02"' in change and 'value="09:30:00"' in change
    assert "In the brand's time zone (Australia/Sydney)" in change


def test_contact_details_and_status_are_not_editable(admin_client, site):
    submission = make_submission(site, contact_email="dana@saltmarsh-cycling.example")
    admin_save(admin_client, submission, contact_email="other@evil.example", status="published", show_contact="on")
    submission.refresh_from_db()
    assert submission.contact_email == "dana@saltmarsh-cycling.example"
    assert submission.status == Status.RECEIVED and not submission.show_contact


# --- preview -----------------------------------------------------------------------------------------

def test_the_preview_is_the_article_page_under_the_site_csp(admin_client, client, site, moderator, release_media):
    submission = make_submission(site, headline="Night ride on the promenade", show_contact=True)
    add_image(submission, caption="Riders at the lighthouse")
    response = admin_client.get(admin_url(submission, "preview"))
    assert response.status_code == 200
    csp = response["Content-Security-Policy"]
    assert csp == content_security_policy()
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    doc = response.content.decode()
    assert '<h1 id="headline">Night ride on the promenade</h1>' in doc
    assert ">News release</a>" in doc and 'From <span class="release-org">Saltmarsh Cycling Club</span>' in doc
    assert "PORT ELLIS: The Saltmarsh Cycling Club" in doc and 'rel="sponsored noopener"' in doc
    assert "Riders at the lighthouse" in doc
    # Nothing was stored: no article, no source, and the brand still shows only its wire.
    assert not Article.objects.exists() and not Source.objects.filter(kind=Source.Kind.RELEASES).exists()
    assert actions_of(submission) == [("preview", "moderator")]
    submission.refresh_from_db()
    assert submission.status == Status.IN_REVIEW

    # The same body as the published page.
    moderation.submission_approve(submission=submission, actor=moderator)
    published = page(client, article_path(Article.objects.get()))

    def story(html):
        root = lxml.html.fromstring(html)
        return lxml.html.tostring(root.xpath('//div[@class="story-body"]')[0], encoding="unicode")

    assert story(doc) == story(published)


def test_the_preview_of_a_published_release_shows_the_pending_edits(admin_client, site, moderator):
    submission = make_submission(site)
    moderation.submission_approve(submission=submission, actor=moderator)
    Submission.objects.filter(pk=submission.pk).update(headline="Corrected headline")
    doc = admin_client.get(admin_url(submission, "preview")).content.decode()
    assert '<h1 id="headline">Corrected headline</h1>' in doc
    assert Article.objects.get().title != "Corrected headline"


# --- approve ------------------------------------------------------------------------------------------

def test_approve_publishes_now_and_tells_the_submitter(admin_client, client, site, moderator, decision_mail,
                                                       eager, on_commit):
    submission = make_submission(site, headline="Night ride on the promenade", contact_email="dana@cycling.example")
    confirm = admin_client.get(admin_url(submission, "approve")).content.decode()
    assert "Approving publishes it now" in confirm and "Yes, publish it" in confirm
    with on_commit():
        response = admin_client.post(admin_url(submission, "approve"))
    assert response.status_code == 302
    submission.refresh_from_db()
    assert submission.status == Status.PUBLISHED and submission.article is not None
    assert actions_of(submission) == [("approve", "moderator"), ("publish", "moderator")]
    assert page(client, article_path(submission.article)).count("Night ride on the promenade") >= 1
    (mail,) = decision_mail.messages
    assert mail.rcpt_tos == ["dana@cycling.example"]
    text, html = message_parts(mail)
    assert mail.message["Subject"] == "Your news release is published: Night ride on the promenade"
    assert f"https://herald.test/story/{submission.article.id}-" in text and "/releases/status/" in text
    assert f"https://herald.test/story/{submission.article.id}-" in html


def test_approve_before_the_embargo_schedules_and_the_tick_publishes_after(admin_client, client, site,
                                                                          decision_mail, eager, on_commit):
    embargo = timezone.now() + dt.timedelta(hours=3)
    submission = make_submission(site, headline="Embargoed ride news", embargo_until=embargo,
                                 contact_email="dana@cycling.example")
    confirm = admin_client.get(admin_url(submission, "approve")).content.decode()
    assert "approving schedules it" in confirm and "Yes, schedule it" in confirm
    with on_commit():
        admin_client.post(admin_url(submission, "approve"))
    submission.refresh_from_db()
    assert submission.status == Status.SCHEDULED and submission.article is None
    assert actions_of(submission) == [("approve", "moderator"), ("schedule", "moderator")]
    assert "Embargoed ride news" not in teaser_titles(page(client, "/"))
    (mail,) = decision_mail.messages
    text, _ = message_parts(mail)
    local = timezone.localtime(embargo, site.tz)
    assert f"{local.day} {local:%b %Y, %H:%M} GMT+1" in text and "when its embargo ends" in text

    assert moderation.submissions_tick(now=embargo - dt.timedelta(minutes=1))["published"] == 0
    submission.refresh_from_db()
    assert submission.status == Status.SCHEDULED

    assert moderation.submissions_tick(now=embargo + dt.timedelta(seconds=5))["published"] == 1
    submission.refresh_from_db()
    assert submission.status == Status.PUBLISHED and submission.published_at == embargo + dt.timedelta(seconds=5)
    assert actions_of(submission)[-1] == ("publish", None)
    assert "Embargoed ride news" in teaser_titles(page(client, "/"))
    assert moderation.submissions_tick(now=embargo + dt.timedelta(minutes=5))["published"] == 0  # once only
    assert Article.objects.count() == 1


def test_the_celery_tick_task_publishes_due_releases(site, moderator, eager):
    from wiredesk.releases.tasks import releases_tick

    submission = make_submission(site, embargo_until=timezone.now() + dt.timedelta(hours=1))
    assert moderation.submission_approve(submission=submission, actor=moderator) == "scheduled"
    Submission.objects.filter(pk=submission.pk).update(embargo_until=timezone.now() - dt.timedelta(seconds=1))
    releases_tick.delay()
    submission.refresh_from_db()
    assert submission.status == Status.PUBLISHED


def test_approving_again_republishes_the_same_article(site, moderator):
    submission = make_submission(site)
    assert moderation.submission_approve(submission=submission, actor=moderator) == "published"
    Submission.objects.filter(pk=submission.pk).update(headline="A corrected headline")
    submission.refresh_from_db()
    assert moderation.submission_approve(submission=submission, actor=moderator) == "republished"
    article = Article.objects.get()
    assert article.title == "A corrected headline" and article.revision == 2
    assert actions_of(submission)[-1] == ("publish", "moderator")


@pytest.mark.parametrize("status", [Status.UNVERIFIED, Status.DECLINED])
def test_unverified_and_declined_submissions_cannot_be_approved(admin_client, site, status):
    submission = make_submission(site, status=status)
    with pytest.raises(moderation.ModerationError):
        moderation.submission_approve(submission=submission, actor=None)
    response = admin_client.post(admin_url(submission, "approve"), follow=True)
    assert "cannot be approved" in response.content.decode()
    submission.refresh_from_db()
    assert submission.status == status and not Article.objects.exists() and not AuditEntry.objects.exists()


def test_approve_from_the_list(admin_client, site, decision_mail, eager, on_commit):
    now_ = make_submission(site, headline="Now")
    later = make_submission(site, headline="Later", embargo_until=timezone.now() + dt.timedelta(days=2))
    with on_commit():
        response = admin_client.post(LIST, {"action": "approve_selected", "_selected_action": [now_.pk, later.pk]},
                                     follow=True)
    doc = response.content.decode()
    assert "Published: \u201cNow\u201d." in doc and "Scheduled: \u201cLater\u201d will be published at" in doc
    now_.refresh_from_db()
    later.refresh_from_db()
    assert (now_.status, later.status) == (Status.PUBLISHED, Status.SCHEDULED)
    assert len(decision_mail.messages) == 2


# --- decline -------------------------------------------------------------------------------------------

def test_decline_needs_a_reason_and_emails_it(admin_client, site, decision_mail, eager, on_commit):
    submission = make_submission(site, headline="Night ride on the promenade", contact_name="Dana Whitlock",
                                 contact_email="dana@cycling.example")
    form = admin_client.get(admin_url(submission, "decline")).content.decode()
    assert 'name="reason"' in form and "required" in form
    with on_commit():
        response = admin_client.post(admin_url(submission, "decline"), {"reason": "   "})
    assert response.status_code == 200 and "This field is required." in response.content.decode()
    submission.refresh_from_db()
    assert submission.status == Status.RECEIVED and decision_mail.messages == []

    reason = "It reads as an advertisement.\nPlease describe the event itself, with dates and a dateline."
    with on_commit():
        response = admin_client.post(admin_url(submission, "decline"), {"reason": reason})
    assert response.status_code == 302
    submission.refresh_from_db()
    assert submission.status == Status.DECLINED and submission.decline_reason == reason.strip()
    assert submission.decided_at is not None and submission.article is None
    assert actions_of(submission) == [("decline", "moderator")]
    assert AuditEntry.objects.get(submission=submission).detail == reason.strip()
    (mail,) = decision_mail.messages
    assert mail.rcpt_tos == ["dana@cycling.example"]
    msg = mail.message
    assert msg["To"] == "Dana Whitlock <dana@cycling.example>"
    assert msg["Subject"] == "Your news release was not accepted: Night ride on the promenade"
    assert msg["From"] == "Harbour Herald <desk@herald.test>" and msg["Auto-Submitted"] == "auto-generated"
    text, html = message_parts(mail)
    assert "Hello Dana Whitlock," in text and "It reads as an advertisement." in text
    assert "Please describe the event itself" in text and "https://herald.test/releases/status/" in text
    assert "It reads as an advertisement.<br>Please describe the event itself" in html


def test_decline_from_the_list_with_an_intermediate_page(admin_client, site, decision_mail, eager, on_commit):
    first = make_submission(site, headline="First")
    second = make_submission(site, headline="Second")
    ids = [first.pk, second.pk]
    page1 = admin_client.post(LIST, {"action": "decline_selected", "_selected_action": ids})
    doc = page1.content.decode()
    assert page1.status_code == 200 and "Decline these news releases?" in doc and 'name="reason"' in doc
    assert Submission.objects.filter(status=Status.DECLINED).count() == 0
    empty = admin_client.post(LIST, {"action": "decline_selected", "_selected_action": ids, "confirm_decline": "yes",
                                     "reason": ""})
    assert "This field is required." in empty.content.decode()
    with on_commit():
        done = admin_client.post(LIST, {"action": "decline_selected", "_selected_action": ids,
                                        "confirm_decline": "yes", "reason": "Not local news."}, follow=True)
    assert "Declined: \u201cFirst\u201d." in done.content.decode()
    assert Submission.objects.filter(status=Status.DECLINED, decline_reason="Not local news.").count() == 2
    assert len(decision_mail.messages) == 2


def test_a_published_release_cannot_be_declined(site, moderator):
    submission = make_submission(site)
    moderation.submission_approve(submission=submission, actor=moderator)
    with pytest.raises(moderation.ModerationError):
        moderation.submission_decline(submission=submission, actor=moderator, reason="Changed our mind")


def test_a_decision_for_a_purged_address_is_not_sent(site, decision_mail, eager, on_commit):
    submission = make_submission(site, contact_email="")
    with on_commit():
        moderation.submission_decline(submission=submission, actor=None, reason="Too short.")
    assert decision_mail.messages == []


# --- the audit log ------------------------------------------------------------------------------------

def test_every_action_is_in_the_audit_log_shown_read_only(admin_client, site, moderator, settings):
    submission = make_submission(site, embargo_until=timezone.now() + dt.timedelta(hours=1))
    admin_save(admin_client, submission, about="A shorter about paragraph.")
    admin_client.get(admin_url(submission, "preview"))
    admin_client.post(admin_url(submission, "approve"))
    moderation.submissions_tick(now=timezone.now() + dt.timedelta(hours=2))
    declined = make_submission(site)
    admin_client.post(admin_url(declined, "decline"), {"reason": "Duplicate of an earlier release."})
    Submission.objects.filter(pk=declined.pk).update(created_at=timezone.now() - dt.timedelta(days=400))
    moderation.submissions_tick()
    assert actions_of(submission) == [
        ("edit", "moderator"), ("preview", "moderator"), ("approve", "moderator"), ("schedule", "moderator"),
        ("publish", None),
    ]
    assert actions_of(declined) == [("decline", "moderator"), ("purge", None)]
    log = admin_client.get("/admin/releases/auditentry/").content.decode()
    for action in ("edit", "preview", "approve", "schedule", "publish", "decline", "purge"):
        assert f'<td class="field-action">{action}</td>' in log
    assert admin_client.get("/admin/releases/auditentry/add/").status_code == 403
    entry = AuditEntry.objects.first()
    assert admin_client.post(f"/admin/releases/auditentry/{entry.pk}/delete/").status_code == 403


# --- the tick: draft images ----------------------------------------------------------------------------

def test_the_tick_deletes_stale_draft_images_with_their_files(site, release_media):
    from tests.releases.helpers_moderation import png
    from django.core.files.base import ContentFile

    def draft(name, age):
        image = SubmissionImage(draft_key="k" + name)
        image.file.save(name, ContentFile(png()), save=False)
        image.width, image.height = 64, 48
        image.save()
        SubmissionImage.objects.filter(pk=image.pk).update(created_at=timezone.now() - age)
        return image

    stale = draft("stale.png", dt.timedelta(hours=25))
    fresh = draft("fresh.png", dt.timedelta(hours=2))
    kept = add_image(make_submission(site))
    SubmissionImage.objects.filter(pk=kept.pk).update(created_at=timezone.now() - dt.timedelta(days=30))
    stale_path = release_media / stale.file.name
    assert stale_path.exists()
    assert moderation.submissions_tick()["drafts_deleted"] == 1
    assert not stale_path.exists() and not SubmissionImage.objects.filter(pk=stale.pk).exists()
    assert (release_media / fresh.file.name).exists() and SubmissionImage.objects.filter(pk=fresh.pk).exists()
    assert (release_media / kept.file.name).exists()


def test_a_moderator_can_remove_an_image_and_its_file_goes(admin_client, site, release_media,
                                                           django_capture_on_commit_callbacks):
    submission = make_submission(site)
    image = add_image(submission)
    path = release_media / image.file.name
    assert path.exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_save(admin_client, submission, **{"images-0-DELETE": "on"})
    assert response.status_code == 302
    assert not SubmissionImage.objects.filter(pk=image.pk).exists() and not path.exists()
    assert AuditEntry.objects.get(submission=submission).detail == "changed: image removed"


def test_a_save_racing_a_publication_keeps_the_publication(rf, site, moderator):
    # The admin reads the submission, the embargo tick publishes it, then the admin saves the
    # moderator's edit: only the edited field may be written, not the status and article it
    # read before the publication.
    from django.contrib import admin as django_admin
    from django.forms.models import model_to_dict

    from wiredesk.releases.services.publish import release_publish

    submission = make_submission(site)
    model_admin = django_admin.site._registry[Submission]
    request = rf.post("/")
    request.user = moderator
    stale = Submission.objects.get(pk=submission.pk)  # what the admin loaded
    article = release_publish(submission=submission, now=timezone.now())  # the tick, meanwhile
    form_class = model_admin.get_form(request, stale, change=True)
    data = {k: v for k, v in model_to_dict(stale, fields=list(form_class.base_fields)).items() if v is not None}
    form = form_class(instance=stale, data={**data, "headline": "Night ride moves to Saturday"})
    form.is_valid()
    assert form.changed_data == ["headline"], form.errors
    model_admin.save_model(request, form.save(commit=False), form, change=True)
    submission.refresh_from_db()
    assert submission.headline == "Night ride moves to Saturday"
    assert submission.status == Status.PUBLISHED and submission.article_id == article.pk


@pytest.mark.parametrize("status, approve, decline", [
    (Status.UNVERIFIED, None, False),
    (Status.RECEIVED, "Approve", True),
    (Status.IN_REVIEW, "Approve", True),
    (Status.SCHEDULED, "Approve", True),
    (Status.PUBLISHED, "Publish the edits again", False),
    (Status.DECLINED, None, False),
])
def test_only_the_moderation_buttons_that_apply_are_shown(admin_client, site, status, approve, decline):
    submission = make_submission(site, status=status)
    doc = lxml.html.fromstring(admin_client.get(admin_url(submission)).content)
    tools = [" ".join(a.text_content().split()) for a in doc.xpath("//ul[@class='object-tools']//a")]
    assert ([t for t in tools if t.startswith(("Approve", "Publish the edits"))] == [f"{approve}\u2026"]) if approve \
        else not any(t.startswith(("Approve", "Publish the edits")) for t in tools)
    assert ("Decline\u2026" in tools) == decline


def test_a_change_page_with_a_malformed_id_is_no_server_error(admin_client, site):
    assert admin_client.get("/admin/releases/submission/abc/change/").status_code in (302, 404)

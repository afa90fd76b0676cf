"""The public release form end to end: the page, every field's validation, "Check my release",
sending (the stored submission and the real verification email received by an SMTP server on
loopback), and the abuse cases (honeypot, time trap, CSRF, rate limits, header injection,
personal data in logs)."""

from __future__ import annotations

import datetime as dt
import html
import logging
import re
from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.utils import timezone

from tests.forms import assert_says_when, clear_of_window_edge
from tests.releases.conftest import (
    BODY, HOST, aged_stamp, body_of, draft_token_in, follow, link_in, parts, press_button, release_data,
)
from wiredesk.releases.forms import STAMP_MIN_SECONDS, TRAP_MESSAGES, stamp_age
from wiredesk.releases.models import AuditEntry, Submission
from wiredesk.releases.services import submissions as svc
from wiredesk.releases.tokens import read_token

pytestmark = pytest.mark.django_db

Status = Submission.Status


def value_of(doc: str, name: str) -> str | None:
    match = re.search(rf'<input type="[a-z]+" name="{name}" value="([^"]*)"', doc)
    return html.unescape(match[1]) if match else None


def textarea_of(doc: str, name: str) -> str:
    return html.unescape(re.search(rf'<textarea name="{name}"[^>]*>\n?(.*?)</textarea>', doc, re.S)[1])


# --- the page -----------------------------------------------------------------------------------


def test_the_form_page(client, brand):
    response = client.get("/releases/submit/", HTTP_HOST=HOST)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    doc = body_of(response)
    assert "<h1>Submit a news release</h1>" in doc and "<title>Submit a news release | Harbour Herald</title>" in doc
    assert ('<form class="release-form" action="/releases/submit/" method="post" enctype="multipart/form-data"'
            in doc)
    assert 'name="csrfmiddlewaretoken"' in doc
    for name in ("category", "headline", "dateline_place", "release_date", "embargo_time", "body", "about", "website",
                 "contact_name", "contact_organisation", "contact_email", "contact_phone", "show_contact"):
        assert f'name="{name}"' in doc, name
    assert re.findall(r'<option value="(\w*)"', doc) == ["", "business", "community", "sports", "appointment",
                                                        "event", "other"]
    assert '<input type="date" name="release_date"' in doc and '<input type="time" name="embargo_time"' in doc
    assert "a time in Australia/Sydney time" in doc
    # Five image places, each with a caption and a credit; only the three formats are offered.
    assert re.findall(r'<input type="file" name="(image_\d)" accept="image/jpeg,image/png,image/webp"', doc) == [
        f"image_{n}" for n in range(1, 6)]
    assert len(re.findall(r'name="caption_\d"', doc)) == 5 and len(re.findall(r'name="credit_\d"', doc)) == 5
    # The contact details are private unless the box is ticked, and it starts unticked.
    assert re.search(r'<input type="checkbox" name="show_contact" id="id_show_contact">', doc)
    # The honeypot (hidden by a class: no inline style under the CSP), the time trap, the draft key.
    assert re.search(r'<div class="hp-field" aria-hidden="true">\s*<label for="id_homepage">Leave this field empty'
                     r'</label>\s*<input type="text" name="homepage" id="id_homepage" tabindex="-1" autocomplete="off"'
                     r' value="">', doc)
    assert "style=" not in doc and "<script" not in doc
    stamp = re.search(r'<input type="hidden" name="stamp" value="([^"]+)">', doc)[1]
    assert 0 <= stamp_age(stamp, timezone.now()) < 5
    assert read_token("draft", draft_token_in(doc))
    assert '<button type="submit" name="action" value="check"' in doc
    assert '<button type="submit" name="action" value="send">Send</button>' in doc
    assert client.head("/releases/submit/", HTTP_HOST=HOST).status_code == 200
    assert client.put("/releases/submit/", HTTP_HOST=HOST).status_code == 405


def test_the_page_is_per_brand(client, brand, other_brand):
    assert "Harbour Herald" in body_of(client.get("/releases/submit/", HTTP_HOST=HOST))
    other = body_of(client.get("/releases/submit/", HTTP_HOST="quay.test"))
    assert "Quayside Ledger" in other and "a time in UTC time" in other
    assert client.get("/releases/submit/", HTTP_HOST="unknown.test").status_code == 400


# --- sending ------------------------------------------------------------------------------------


def test_send_stores_an_unverified_submission_and_mails_the_link(client, brand, post_release, mail_sink):
    data = release_data(show_contact="on", contact_email="Secretary@HarbourRowing.ORG",
                        body=BODY + '\n\nTickets: <a href="https://rowing.example.org/t">book here</a>.')
    response = post_release(client, data)
    assert response.status_code == 200, body_of(response)
    doc = body_of(response)
    assert "<h1>Check your inbox</h1>" in doc
    assert "secretary@harbourrowing.org" not in doc.lower()
    s = Submission.objects.get()
    assert (s.brand, s.status, s.category, s.headline) == (brand, Status.UNVERIFIED, "community",
                                                          "Harbour Rowing Club opens its new boathouse")
    assert s.dateline_place == "Port Ellis" and s.embargo_until is None and s.website == "https://rowing.example.org/"
    assert (s.contact_name, s.contact_organisation, s.contact_email, s.contact_phone) == (
        "Mara Quinlan", "Harbour Rowing Club", "secretary@harbourrowing.org", "+61 2 5550 1234")
    assert s.show_contact is True and s.verified_at is None
    assert s.about.startswith("The Harbour Rowing Club was founded in 1921")
    # The body is stored as the safe subset: paragraphs, the link with a forced rel.
    assert s.body.startswith("<p>The Harbour Rowing Club will open its new boathouse")
    assert s.body.count("<p>") == 6
    assert '<a href="https://rowing.example.org/t" rel="noopener noreferrer">book here</a>' in s.body
    assert [r["code"] for r in s.checks["results"]][:2] == ["words", "third_person"]
    assert all(r["ok"] for r in s.checks["results"]), s.checks
    assert len(s.fingerprint) == 64
    assert list(AuditEntry.objects.filter(submission=s).values_list("action", flat=True).order_by("id")) == [
        "submitted", "verification mail queued"]

    (received,) = mail_sink.messages
    assert received.rcpt_tos == ["secretary@harbourrowing.org"]
    msg = received.message
    assert msg["From"].addresses[0].display_name == "Harbour Herald"
    assert msg["From"].addresses[0].addr_spec == "desk@harbour.test"
    assert msg["To"] == "secretary@harbourrowing.org"
    assert msg["Subject"] == "Confirm your news release to Harbour Herald"
    assert msg["Auto-Submitted"] == "auto-generated"
    text, html_part = parts(received)
    assert "Harbour Rowing Club opens its new boathouse" in text and "48 hours" in text
    verify = link_in(text, "verify")
    status = link_in(text, "status")
    assert verify.startswith("https://harbour.test/releases/verify/")
    assert html.escape(verify) in html_part and html.escape(status) in html_part
    assert read_token("verify", urlsplit(verify).path.split("/")[-2]) == s.key
    assert read_token("status", urlsplit(status).path.split("/")[-2]) == s.key
    # The link names the submission only through its random key, never the row id.
    assert urlsplit(verify).path.split("/")[-2].split(":")[0] == s.key


def test_show_contact_is_off_unless_ticked(client, brand, post_release):
    post_release(client, release_data())
    assert Submission.objects.get().show_contact is False


def test_a_release_date_and_an_embargo_are_stored_in_utc(client, brand, post_release):
    day = timezone.now().astimezone(brand.tz).date() + dt.timedelta(days=200)
    post_release(client, release_data(release_date=day.isoformat(), embargo_time="09:30"))
    s = Submission.objects.get()
    expected = dt.datetime.combine(day, dt.time(9, 30), tzinfo=brand.tz).astimezone(dt.timezone.utc)
    assert s.embargo_until == expected and s.embargo_until.utcoffset() == dt.timedelta(0)
    assert expected.hour in (22, 23)  # 9:30 in Sydney is 22:30 or 23:30 UTC the day before

    # A date alone: from midnight, Sydney time.
    Submission.objects.all().delete()
    post_release(client, release_data(release_date=day.isoformat(), contact_email="other@quaypost.org"))
    midnight = dt.datetime.combine(day, dt.time(0, 0), tzinfo=brand.tz).astimezone(dt.timezone.utc)
    assert Submission.objects.get().embargo_until == midnight

    # Today's date without a time: nothing to wait for.
    Submission.objects.all().delete()
    today = timezone.now().astimezone(brand.tz).date()
    post_release(client, release_data(release_date=today.isoformat(), contact_email="third@quaypost.org"))
    assert Submission.objects.get().embargo_until is None


def test_check_shows_the_results_and_stores_nothing(client, brand, post_release, mail_sink):
    data = release_data(headline="THE BEST EVER REGATTA IS COMING!", dateline_place="", contact_name="",
                        body="We invite everyone to our regatta, and we hope you join us. " + BODY)
    response = post_release(client, data, action="check")
    assert response.status_code == 200
    doc = body_of(response)
    panel = doc[doc.index('<section class="check-results"'):doc.index("</section>")]
    assert doc.index('<section class="check-results"') < doc.index('<form class="release-form"')
    marks = {code: cls for cls, code in re.findall(r'<li class="check (check-\w+)" data-code="(\w+)"', panel)}
    assert marks == {"words": "check-ok", "third_person": "check-warn", "headline_caps": "check-warn",
                     "hype": "check-warn", "links": "check-ok", "dateline": "check-warn", "contact": "check-warn",
                     "about": "check-ok", "images": "check-ok", "duplicate": "check-ok"}
    assert "an exclamation mark in the headline" in panel and "&quot;best ever&quot;" in panel
    assert "There is no dateline" in panel
    # Nothing stored, nothing sent, and everything typed is still in the form.
    assert not Submission.objects.exists() and mail_sink.messages == []
    assert value_of(doc, "headline") == "THE BEST EVER REGATTA IS COMING!"
    assert textarea_of(doc, "body").startswith("We invite everyone to our regatta, and we hope")
    assert value_of(doc, "contact_email") == "secretary@harbourrowing.org"


def test_warnings_do_not_stop_a_release_and_are_kept_for_the_moderator(client, brand, post_release, mail_sink):
    response = post_release(client, release_data(headline="Our AMAZING club opens its boathouse!", about=""))
    assert response.status_code == 200
    doc = body_of(response)
    assert "<h2 id=\"notes-title\">Notes for the editors</h2>" in doc and "no &quot;about the organisation&quot;" in doc
    s = Submission.objects.get()
    failed = [r["code"] for r in s.checks["results"] if not r["ok"]]
    assert failed == ["hype", "about"]
    assert len(mail_sink.messages) == 1


def test_a_far_too_short_release_is_not_sent(client, brand, post_release, mail_sink):
    response = post_release(client, release_data(body="The club opens a boathouse on Saturday."))
    assert response.status_code == 400
    doc = body_of(response)
    assert "It is too short to send" in doc
    assert re.search(r'<ul class="errorlist" id="id_body_error"><li>The release has 7 words', doc)
    assert 'class="check check-block" data-code="words"' in doc and "Must fix" in doc
    assert not Submission.objects.exists() and mail_sink.messages == []
    # Just short of the range is a warning only.
    words = " ".join(BODY.split()[:120]) + "."
    assert post_release(client, release_data(body=words)).status_code == 200
    assert not next(r for r in Submission.objects.get().checks["results"] if r["code"] == "words")["ok"]


def test_a_duplicate_is_sent_with_the_warning(client, brand, post_release, mail_sink):
    post_release(client, release_data())
    response = post_release(client, release_data(contact_email="second@quaypost.org"))
    assert response.status_code == 200 and "submitted before" in body_of(response)
    first, second = Submission.objects.order_by("id")
    assert first.fingerprint == second.fingerprint
    assert [r["code"] for r in second.checks["results"] if not r["ok"]] == ["duplicate"]


# --- every field's validation ---------------------------------------------------------------------


FAR = (timezone.now() + dt.timedelta(days=400)).date().isoformat()
PAST = (timezone.now() - dt.timedelta(days=3)).date().isoformat()
SOON = (timezone.now() + dt.timedelta(days=30)).date().isoformat()


@pytest.mark.parametrize("changes, field, message", [
    ({"category": ""}, "category", "Choose the kind of news."),
    ({"category": "horoscope"}, "category", "Choose a kind of news from the list."),
    ({"headline": ""}, "headline", "Write a headline."),
    ({"headline": "   "}, "headline", "Write a headline."),
    ({"headline": "x" * 201}, "headline", "Ensure this value has at most 200 characters (it has 201)."),
    ({"headline": "Boathouse opens\r\nBcc: victim@tidemail.net"}, "headline", "Write this on one line"),
    ({"dateline_place": "Port\nEllis"}, "dateline_place", "Write this on one line"),
    ({"dateline_place": "P" * 121}, "dateline_place", "at most 120 characters"),
    ({"body": ""}, "body", "Write the text of the release."),
    ({"body": "<script>alert(1)</script>"}, "body", "Write the text of the release."),
    ({"body": "word " * 4001}, "body", "The text is too long: at most 20,000 characters."),
    ({"body": BODY + "\x00"}, "body", "invisible control characters"),
    ({"body": BODY + "\x1b[31m"}, "body", "invisible control characters"),
    ({"about": "a" * 2001}, "about", "at most 2000 characters"),
    ({"website": "javascript:alert(1)"}, "website", "Enter a web address"),
    ({"website": "ftp://files.example.org/"}, "website", "starts with https:// or http://"),
    ({"website": "not a site"}, "website", "Enter a web address such as https://example.org/."),
    ({"contact_name": "Mara\r\nBcc: victim@tidemail.net"}, "contact_name", "Write this on one line"),
    ({"contact_organisation": "Club\rX"}, "contact_organisation", "Write this on one line"),
    ({"contact_email": ""}, "contact_email", "Enter your email address: we send a link to it"),
    ({"contact_email": "not-an-address"}, "contact_email", "Enter an email address such as name@example.com."),
    ({"contact_phone": "call me maybe"}, "contact_phone", "Enter a phone number with digits only"),
    ({"contact_phone": "12-34"}, "contact_phone", "Enter a phone number with digits only"),
    ({"contact_phone": "+61 2 5550 1234\nBcc: x"}, "contact_phone", "Write this on one line"),
    ({"release_date": "21/04/2030"}, "release_date", "Enter a date such as 2030-04-21."),
    ({"release_date": PAST}, "release_date", "The release date has passed."),
    ({"release_date": FAR}, "release_date", "more than a year ahead"),
    ({"embargo_time": "25:99", "release_date": SOON}, "embargo_time", "Enter a time such as 09:30."),
    ({"embargo_time": "09:30"}, "embargo_time", "Give the release date too"),
    ({"caption_1": "Rowers\r\non the ramp"}, "caption_1", "Write this on one line"),
    ({"credit_2": "x" * 121}, "credit_2", "at most 120 characters"),
])
def test_each_field_error_is_shown_beside_its_field_and_keeps_what_was_typed(
    client, brand, post_release, mail_sink, changes, field, message
):
    data = release_data(**changes)
    response = post_release(client, data)
    assert response.status_code == 400
    doc = body_of(response)
    errors = re.search(rf'<ul class="errorlist" id="id_{field}_error">(.*?)</ul>', doc, re.S)
    assert errors, f"no error list for {field}"
    assert message in html.unescape(errors[1]), errors[1]
    assert re.search(rf'name="{field}"[^>]*aria-invalid="true"', doc) or field == "category"
    assert "Please correct what is marked below" in doc
    # The summary at the top links to the field.
    alert = doc[doc.index('<div class="form-alert" role="alert">'):]
    alert = alert[:alert.index("</div>")]
    assert re.search(rf'<a href="#id_{field}">[^<]+</a>', alert)
    if field.startswith("caption_"):
        assert '<a href="#id_caption_1">Image 1: caption</a>' in alert
    assert not Submission.objects.exists() and mail_sink.messages == []
    # What was typed is still there (the other fields and the wrong one).
    if field != "headline":
        assert value_of(doc, "headline") == "Harbour Rowing Club opens its new boathouse"
    if field != "body":
        assert textarea_of(doc, "body").strip() == BODY.strip()
    if field == "contact_email" and changes[field]:
        assert value_of(doc, "contact_email") == changes[field]


def test_a_release_date_alone_means_the_start_of_the_day_even_where_midnight_is_skipped(client, brand, post_release):
    # Santiago moves its clocks from 00:00 to 01:00 once a year: that day starts at 01:00.
    from zoneinfo import ZoneInfo

    from wiredesk.releases.forms import day_start_utc, local_to_utc

    santiago = ZoneInfo("America/Santiago")
    today = timezone.now().astimezone(santiago).date()
    skipped = []
    for ahead in range(2, 360):
        day = today + dt.timedelta(days=ahead)
        try:
            local_to_utc(day, dt.time(0, 0), santiago)
        except ValueError:
            skipped.append(day)
    if not skipped:
        pytest.skip("no skipped midnight in America/Santiago within a year (time zone rules changed)")
    day = skipped[0]
    start = day_start_utc(day, santiago)
    assert start.astimezone(santiago).time() == dt.time(1, 0) and start.astimezone(santiago).date() == day
    brand.time_zone = "America/Santiago"
    brand.save()
    answer = post_release(client, release_data(release_date=day.isoformat()))
    assert answer.status_code == 200, body_of(answer)
    assert Submission.objects.get().embargo_until == start


def test_an_embargo_time_that_has_passed_or_does_not_exist(client, brand, post_release):
    now_local = timezone.now().astimezone(brand.tz)
    if now_local.hour == 0 and now_local.minute < 5:
        pytest.skip("just after midnight in Sydney: no earlier time today to try")
    passed = post_release(client, release_data(release_date=now_local.date().isoformat(), embargo_time="00:00"))
    assert passed.status_code == 400 and "That time has passed." in body_of(passed)
    # Sydney's clocks go from 2:00 to 3:00 on the first Sunday of October.
    year = now_local.year + 1
    first_sunday = next(dt.date(year, 10, d) for d in range(1, 8) if dt.date(year, 10, d).weekday() == 6)
    if (first_sunday - now_local.date()).days > 365:
        first_sunday = next(dt.date(year - 1, 10, d) for d in range(1, 8) if dt.date(year - 1, 10, d).weekday() == 6)
    gap = post_release(client, release_data(release_date=first_sunday.isoformat(), embargo_time="02:30"))
    assert gap.status_code == 400
    assert "That time does not exist in Australia/Sydney (the clocks change)." in body_of(gap)
    assert not Submission.objects.exists()


@pytest.mark.parametrize("address", [
    "victim@tidemail.net\r\nBcc: other@tidemail.net",
    "victim@tidemail.net\nCc: other@tidemail.net",
    "victim@tidemail.net\rTo: other@tidemail.net",
    "victim@tidemail.net\r\n",
    "victim@tidemail.net%0d%0aBcc:other@tidemail.net",
    "victim@tidemail.net, other@tidemail.net",
    "Victim <victim@tidemail.net>",
    "victim@tidemail.net>\r\nRCPT TO:<other@tidemail.net",
])
def test_header_injection_in_the_address_never_reaches_a_mail(client, brand, post_release, mail_sink, address):
    response = post_release(client, release_data(contact_email=address))
    assert response.status_code == 400
    assert not Submission.objects.exists() and mail_sink.messages == []


def test_a_line_break_in_the_name_never_adds_a_header(client, brand, post_release, mail_sink):
    response = post_release(client, release_data(contact_name="Mara\r\nBcc: other@tidemail.net"))
    assert response.status_code == 400 and mail_sink.messages == []
    # A name with quotes and angle brackets is fine, and never reaches a header.
    assert post_release(client, release_data(contact_name='Mara "Boss" <Quinlan>')).status_code == 200
    (received,) = mail_sink.messages
    assert received.rcpt_tos == ["secretary@harbourrowing.org"]
    assert received.message["To"] == "secretary@harbourrowing.org"
    assert "Mara" not in str(received.message["To"]) and received.message["Bcc"] is None


def test_typed_markup_is_escaped_in_the_form_the_pages_and_the_mail(client, brand, post_release, mail_sink):
    attack = '"><script>alert(1)</script><img src=x onerror=alert(2)>'
    back = post_release(client, release_data(headline="Boathouse " + attack, contact_email="bad", caption_1=attack,
                                             about=attack, contact_name=attack))
    doc = body_of(back)
    assert "<script>alert(1)" not in doc and "<img src=x" not in doc
    assert "&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in doc

    assert post_release(client, release_data(headline="Boathouse " + attack)).status_code == 200
    text, html_part = parts(mail_sink.messages[0])
    assert "<script>alert(1)" not in html_part and "&lt;script&gt;alert(1)&lt;/script&gt;" in html_part
    page = follow(client, link_in(text, "verify"))
    assert "<script>alert(1)" not in body_of(page) and "&lt;script&gt;" in body_of(page)
    status = follow(client, link_in(text, "status"))
    assert "<script>alert(1)" not in body_of(status)


# --- traps and limits ---------------------------------------------------------------------------


def test_the_honeypot_gets_the_same_answer_and_nothing_happens(client, brand, post_release, mail_sink, media_root):
    from tests.releases.conftest import jpeg_bytes, upload

    real = post_release(client, release_data(contact_email="real@quaypost.org"))
    mail_sink.clear()
    bot = post_release(client, release_data(homepage="https://spam.example/"),
                       files={"image_1": upload("a.jpg", jpeg_bytes())})
    assert bot.status_code == real.status_code == 200
    assert "<h1>Check your inbox</h1>" in body_of(bot)
    assert Submission.objects.count() == 1 and mail_sink.messages == []
    assert not (media_root / "releases").exists()


@pytest.mark.parametrize("stamp, verdict", [
    pytest.param(lambda: aged_stamp(0.5), "fast", id="too-fast"),
    pytest.param(lambda: aged_stamp(25 * 3600), "stale", id="too-old"),
    pytest.param(lambda: "", "bad", id="missing"),
    pytest.param(lambda: aged_stamp(30)[:-2] + "xx", "bad", id="altered"),
    pytest.param(lambda: str(timezone.now().timestamp() - 30), "bad", id="unsigned"),
])
def test_the_time_trap_says_what_happened(client, brand, post_release, mail_sink, stamp, verdict):
    sent = stamp()
    response = post_release(client, release_data(), stamp=sent)
    assert response.status_code == 400
    doc = html.unescape(body_of(response))
    assert TRAP_MESSAGES[verdict].format(min=STAMP_MIN_SECONDS) in doc and "nothing was sent" in doc
    assert not Submission.objects.exists() and mail_sink.messages == []
    assert value_of(doc, "headline") == "Harbour Rowing Club opens its new boathouse"
    # Too soon: the page keeps the stamp of the first showing, so pressing again once the
    # minimum has passed goes through. Otherwise it carries a new stamp.
    shown = re.search(r'name="stamp" value="([^"]+)"', doc)[1]
    if verdict == "fast":
        assert shown == sent
    else:
        assert 0 <= stamp_age(shown, timezone.now()) < 5


def test_the_form_needs_the_csrf_token(brand):
    browser = Client(enforce_csrf_checks=True)
    response = browser.post("/releases/submit/", {**release_data(), "stamp": aged_stamp(), "action": "send"},
                            HTTP_HOST=HOST)
    assert response.status_code == 403
    assert not Submission.objects.exists()


def test_too_many_posts_from_one_ip_get_429_with_retry_after(client, brand, post_release):
    ip = "203.0.113.50"
    clear_of_window_edge(*svc.FORM_LIMITS)
    for _ in range(svc.FORM_LIMITS[0].count):
        assert post_release(client, release_data(homepage="bot"), ip=ip).status_code == 200
    before = timezone.now()
    refused = post_release(client, release_data(), ip=ip)
    assert refused.status_code == 429
    wait = int(refused["Retry-After"])
    assert 0 < wait <= 600
    assert_says_when(refused, tz=brand.tz, before=before, after=timezone.now())
    assert "<h1>Please wait a little</h1>" in body_of(refused) and "no-store" in refused["Cache-Control"]
    assert not Submission.objects.exists()
    # Another network is not held up.
    assert post_release(client, release_data(), ip="203.0.113.51").status_code == 200


def test_at_most_five_releases_per_address_a_day(client, brand, post_release, mail_sink):
    for n in range(svc.ADDRESS_DAY_MAX):
        response = post_release(client, release_data(headline=f"Release number {n + 1} from the club"))
        assert response.status_code == 200
    before = timezone.now()
    refused = post_release(client, release_data(headline="Release number six from the club"))
    assert refused.status_code == 429
    wait = int(refused["Retry-After"])
    assert 23 * 3600 < wait <= 24 * 3600 + 1
    assert_says_when(refused, tz=brand.tz, before=before, after=timezone.now())
    doc = body_of(refused)
    assert "Too many releases were sent from this address or network today" in doc
    assert value_of(doc, "headline") == "Release number six from the club"  # nothing typed is lost
    assert Submission.objects.count() == svc.ADDRESS_DAY_MAX
    # A day later the address may send again.
    Submission.objects.update(created_at=timezone.now() - dt.timedelta(hours=25))
    assert post_release(client, release_data(headline="Release number six from the club")).status_code == 200


def test_at_most_ten_releases_per_ip_a_day(client, brand, post_release):
    ip = "203.0.113.60"
    limit = svc.SEND_LIMITS[0].count
    clear_of_window_edge(*svc.FORM_LIMITS, *svc.SEND_LIMITS)
    for n in range(limit):
        response = post_release(client, release_data(contact_email=f"sender{n}@quaypost.org"), ip=ip)
        assert response.status_code == 200
    refused = post_release(client, release_data(contact_email="sender99@quaypost.org"), ip=ip)
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert Submission.objects.count() == limit


def test_one_verification_mail_an_hour_per_address(client, brand, post_release, mail_sink):
    post_release(client, release_data(headline="First release from the club"))
    post_release(client, release_data(headline="Second release from the club"))
    assert Submission.objects.count() == 2
    (received,) = mail_sink.messages
    assert "First release from the club" in parts(received)[0]
    first, second = Submission.objects.order_by("id")
    assert second.status == Status.UNVERIFIED

    # The first mail's link lists the second release, unticked; ticking it confirms both.
    url = link_in(parts(received)[0], "verify")
    page = body_of(follow(client, url))
    assert re.search(rf'<input type="checkbox" name="also" value="{second.pk}" id="also-{second.pk}"> '
                     r"Second release from the club", page)
    done = press_button(url, {"also": [str(second.pk)]})
    assert done.status_code == 200
    assert set(Submission.objects.values_list("status", flat=True)) == {Status.RECEIVED}
    assert body_of(done).count("Status of this release") == 2

    # An hour later the address gets a mail again.
    AuditEntry.objects.update(at=timezone.now() - dt.timedelta(minutes=61))
    post_release(client, release_data(headline="Third release from the club"))
    assert len(mail_sink.messages) == 2


def test_variants_of_one_mailbox_share_a_small_budget(client, brand, post_release, mail_sink):
    variants = ["clubsec@gmail.com", "club.sec@gmail.com", "clubsec+a@googlemail.com", "c.lubsec+b@gmail.com"]
    clear_of_window_edge(svc.MAILBOX_LIMIT)
    for n, email in enumerate(variants):
        answer = post_release(client, release_data(contact_email=email, headline=f"Club release number {n}"))
        assert answer.status_code == 200
    assert len(mail_sink.messages) == 2
    assert Submission.objects.count() == len(variants)  # every release is kept, unverified


def test_a_failed_mail_frees_the_hourly_slot(client, brand, post_release, mail_sink, settings, caplog):
    from tests.mailsink import free_port

    settings.EMAIL_PORT = free_port()  # nothing listens there
    with caplog.at_level(logging.WARNING):
        assert post_release(client, release_data(headline="First release from the club")).status_code == 200
    assert "release mail failed" in caplog.text
    assert list(AuditEntry.objects.values_list("action", flat=True).order_by("id"))[-1] == "verification mail failed"
    settings.EMAIL_PORT = mail_sink.port
    post_release(client, release_data(headline="Second release from the club"))
    (received,) = mail_sink.messages
    assert "Second release from the club" in parts(received)[0]


def test_contact_details_and_ips_never_reach_the_logs(client, brand, post_release, mail_sink, caplog):
    canary_email, canary_phone, canary_ip = "canary-7731@quaypost.org", "+61 2 5550 7731", "203.0.113.77"
    with caplog.at_level(logging.DEBUG):
        post_release(client, release_data(contact_email=canary_email, contact_phone=canary_phone,
                                          contact_name="Zebediah Canary"), ip=canary_ip)
        press_button(link_in(parts(mail_sink.messages[0])[0], "verify"))
        post_release(client, release_data(contact_email=canary_email, contact_phone="not a phone"), ip=canary_ip)
    # Every log line of the application (the test's own SMTP server, aiosmtpd's "mail.log", is
    # the mailbox: it is meant to see the address).
    ours = [r for r in caplog.records if not r.name.startswith("mail.log")]
    logged = "\n".join(f"{r.name} {r.getMessage()}" for r in ours)
    assert "release submitted submission_id=" in logged and "release verified submission_id=" in logged
    for secret in (canary_email, canary_phone, "7731", canary_ip, "Zebediah"):
        assert secret not in logged, secret
    # Nor the audit log, which moderators read.
    details = " ".join(AuditEntry.objects.values_list("detail", flat=True))
    assert canary_email not in details and canary_phone not in details

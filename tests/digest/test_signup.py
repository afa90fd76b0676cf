"""Signing up for the daily email, end to end: the form, the real confirmation email received
by an SMTP server on loopback, its link followed, and the abuse cases (repeats, bots, floods,
header injection, probing whether an address is subscribed)."""

from __future__ import annotations

import datetime as dt
import html
import itertools
import logging
import re
import threading
from urllib.parse import urlsplit

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from tests.forms import assert_says_when, body_of, clear_of_window_edge, csrf_token_in, follow, next_ip, parts  # noqa: F401  (used by importers too)
from tests.web.factories import make_brand
from wiredesk.digest.forms import TRAP, stamp_age, stamp_make
from wiredesk.digest.models import Subscriber
from wiredesk.digest.services import subscriptions
from wiredesk.digest.tokens import read_token

pytestmark = pytest.mark.django_db

HOST = "harbour.test"
OTHER = "quay.test"
SENDER = "daily@harbour.test"
Status = Subscriber.Status


# --- fixtures and helpers (test_manage_links imports them) ---------------------------------


@pytest.fixture
def links_https(settings):
    settings.PUBLIC_SCHEME = "https"
    settings.PUBLIC_PORT = ""


@pytest.fixture
def brand():
    return make_brand("Harbour Herald", [HOST], digest_from=SENDER)


@pytest.fixture
def other_brand():
    return make_brand("Quayside Ledger", [OTHER], digest_from="daily@quay.test")


@pytest.fixture
def post_signup(mail_sink, eager, links_https, django_capture_on_commit_callbacks):
    """Send the sign-up form as a reader would; mail queued on commit goes out at once."""

    def post(client, email, *, host=HOST, sections=("world", "business"), ip=None, stamp=None, headers=None, **fields):
        data = {"email": email, "sections": list(sections), "website": "", **fields}
        data["stamp"] = aged_stamp() if stamp is None else stamp
        with django_capture_on_commit_callbacks(execute=True):
            return client.post("/newsletter/", data, HTTP_HOST=host, REMOTE_ADDR=ip or next_ip(), **(headers or {}))

    return post




def aged_stamp(seconds: float = 10) -> str:
    """The time trap's stamp of a form shown `seconds` ago."""
    return stamp_make(timezone.now() - dt.timedelta(seconds=seconds))




def without_csrf(doc: str) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', 'name="csrfmiddlewaretoken" value=""', doc)




def link_in(text: str, kind: str) -> str:
    return re.search(rf"https://[a-z.]+/newsletter/{kind}/[^/\s\"<]+/", text)[0]






def confirm_by_button(url: str, *, ip: str = "192.0.2.44", user_agent: str = "Reader Browser/1.0"):
    """Open the confirmation link and press its button, with CSRF checks on as in a browser."""
    browser = Client(enforce_csrf_checks=True)
    page = follow(browser, url, HTTP_USER_AGENT=user_agent, REMOTE_ADDR=ip)
    assert page.status_code == 200
    token = csrf_token_in(body_of(page))
    return follow(browser, url, "post", data={"csrfmiddlewaretoken": token}, HTTP_USER_AGENT=user_agent, REMOTE_ADDR=ip)


def make_subscriber(brand, email, status=Status.CONFIRMED, **fields) -> Subscriber:
    now = timezone.now()
    if status == Status.CONFIRMED:
        fields.setdefault("confirmed_at", now - dt.timedelta(days=3))
    if status == Status.UNSUBSCRIBED:
        fields.setdefault("unsubscribed_at", now - dt.timedelta(days=1))
    return Subscriber.objects.create(brand=brand, email=email, status=status, **fields)


# --- the page -----------------------------------------------------------------------------


def test_the_newsletter_page_has_the_form_with_its_traps(client, brand):
    response = client.get("/newsletter/?email=reader%40tidemail.net", HTTP_HOST=HOST)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    doc = body_of(response)
    assert "<h1>The Harbour Herald daily email</h1>" in doc
    assert '<form class="signup-form" action="/newsletter/" method="post">' in doc
    assert 'name="csrfmiddlewaretoken"' in doc
    assert re.search(r'<input type="email" name="email" value="reader@tidemail.net"[^>]* required', doc)
    # Every section of the brand, world and business ticked.
    boxes = re.findall(r'<input type="checkbox" name="sections" value="(\w+)"[^>]*?( checked)?>', doc)
    assert boxes == [("world", " checked"), ("business", " checked"), ("technology", ""), ("sports", ""),
                     ("photo", ""), ("local", "")]
    # The honeypot: hidden by a class (no inline style under the CSP), out of the tab order.
    assert re.search(
        r'<div class="hp-field" aria-hidden="true">\s*<label for="id_website">Leave this field empty</label>\s*'
        r'<input type="text" name="website" id="id_website" tabindex="-1" autocomplete="off" value="">', doc)
    assert "style=" not in doc
    # The time trap: a signed stamp of now.
    stamp = re.search(r'<input type="hidden" name="stamp" value="([^"]+)">', doc)[1]
    assert 0 <= stamp_age(stamp, timezone.now()) < 5
    assert client.head("/newsletter/", HTTP_HOST=HOST).status_code == 200


def test_the_choices_are_the_brands_sections(client):
    make_brand("Coast Sport", ["sport.test"], sections=["sports", "local"])
    doc = body_of(client.get("/newsletter/", HTTP_HOST="sport.test"))
    boxes = re.findall(r'<input type="checkbox" name="sections" value="(\w+)"[^>]*?( checked)?>', doc)
    assert boxes == [("sports", " checked"), ("local", "")]  # neither default: the first is ticked


def test_a_prefilled_address_is_escaped(client, brand):
    doc = body_of(client.get('/newsletter/?email="><script>alert(1)</script>', HTTP_HOST=HOST))
    assert "<script>alert(1)" not in doc
    assert 'value="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"' in doc


# --- sign up, the email, the link -----------------------------------------------------------


def test_sign_up_receive_the_email_and_confirm(client, brand, post_signup, mail_sink):
    response = post_signup(client, "Reader.One@Tidemail.NET", sections=["world", "sports"], ip="203.0.113.7")
    assert response.status_code == 200
    assert "<h1>Check your inbox</h1>" in body_of(response)
    subscriber = Subscriber.objects.get()
    assert (subscriber.email, subscriber.status, subscriber.sections) == ("reader.one@tidemail.net", Status.PENDING,
                                                                          ["world", "sports"])
    assert subscriber.signup_ip == "203.0.113.7" and subscriber.confirmation_sent_at is not None
    assert subscriber.confirmed_at is None

    (received,) = mail_sink.messages
    assert received.rcpt_tos == ["reader.one@tidemail.net"]
    msg = received.message
    assert msg["From"].addresses[0].addr_spec == SENDER and msg["From"].addresses[0].display_name == "Harbour Herald"
    assert msg["To"] == "reader.one@tidemail.net"
    assert msg["Subject"] == "Confirm your Harbour Herald daily email"
    assert msg["Auto-Submitted"] == "auto-generated" and msg["Message-ID"]
    text, html_part = parts(received)
    url = link_in(text, "confirm")
    assert url.startswith("https://harbour.test/newsletter/confirm/")
    assert html.escape(url) in html_part and "Confirm my subscription" in html_part
    assert "48 hours" in text and "48 hours" in html_part
    # The link names the subscriber only through the signed random key, never the row id.
    token = urlsplit(url).path.split("/")[-2]
    assert read_token("confirm", token) == subscriber.key

    # Opening the link (a person or a mail scanner) shows a button and changes nothing.
    page = follow(client, url)
    assert page.status_code == 200 and "no-store" in page["Cache-Control"]
    assert re.search(r'<form class="button-form" action="[^"]+" method="post">', body_of(page))
    assert "Confirm my subscription</button>" in body_of(page)
    assert follow(client, url, "head").status_code == 200
    subscriber.refresh_from_db()
    assert subscriber.status == Status.PENDING and subscriber.confirmed_at is None

    # The button's POST confirms and keeps the consent record.
    long_agent = "Reader Browser/1.0 " + "x" * 400
    done = confirm_by_button(url, ip="192.0.2.44", user_agent=long_agent)
    assert done.status_code == 200 and "<h1>You are subscribed</h1>" in body_of(done)
    subscriber.refresh_from_db()
    assert subscriber.status == Status.CONFIRMED
    assert abs(subscriber.confirmed_at - timezone.now()) < dt.timedelta(minutes=1)
    assert subscriber.confirmed_ip == "192.0.2.44"
    assert subscriber.confirmed_user_agent == long_agent[:300]
    first_confirmed_at = subscriber.confirmed_at

    # Pressing it again (a second tab, a double click) shows the same page and keeps the record.
    again = confirm_by_button(url, ip="192.0.2.99")
    assert again.status_code == 200 and "<h1>You are subscribed</h1>" in body_of(again)
    subscriber.refresh_from_db()
    assert subscriber.confirmed_at == first_confirmed_at and subscriber.confirmed_ip == "192.0.2.44"
    assert len(mail_sink.messages) == 1


def test_the_confirm_button_needs_the_csrf_token(brand, post_signup, mail_sink):
    post_signup(Client(), "csrf@tidemail.net")
    url = link_in(parts(mail_sink.messages[0])[0], "confirm")
    refused = follow(Client(enforce_csrf_checks=True), url, "post")
    assert refused.status_code == 403
    assert Subscriber.objects.get().status == Status.PENDING


def test_repeated_sign_ups_send_one_email_an_hour(client, brand, post_signup, mail_sink):
    for _ in range(4):
        assert post_signup(client, "repeat@tidemail.net").status_code == 200
    assert len(mail_sink.to("repeat@tidemail.net")) == 1
    assert Subscriber.objects.get().status == Status.PENDING

    # An hour later the pending address may have the confirmation again.
    Subscriber.objects.update(confirmation_sent_at=timezone.now() - dt.timedelta(minutes=61))
    post_signup(client, "repeat@tidemail.net")
    post_signup(client, "Repeat@Tidemail.net")
    assert len(mail_sink.to("repeat@tidemail.net")) == 2


def test_variants_of_one_mailbox_share_a_small_budget(client, brand, post_signup, mail_sink):
    # Gmail ignores dots and everything after "+": these all land in one inbox.
    variants = ["harbourfan@gmail.com", "harbour.fan@gmail.com", "harbourfan+news@gmail.com",
                "h.arbourfan@googlemail.com", "harbour.fan+x@gmail.com"]
    clear_of_window_edge(subscriptions.MAILBOX_LIMIT)
    for email in variants:
        assert post_signup(client, email).status_code == 200  # the same answer every time
    assert len(mail_sink.messages) == 2
    assert Subscriber.objects.count() == len(variants)  # each sign-up is kept, pending
    # Another inbox is not held back.
    post_signup(client, "harbourfan@quaypost.org")
    assert len(mail_sink.to("harbourfan@quaypost.org")) == 1


def test_one_email_an_hour_per_address_across_brands(client, brand, other_brand, post_signup, mail_sink):
    post_signup(client, "both@tidemail.net", host=HOST)
    post_signup(client, "both@tidemail.net", host=OTHER)
    post_signup(client, "both@tidemail.net", host=OTHER)
    (first,) = mail_sink.to("both@tidemail.net")
    assert first.message["From"].addresses[0].addr_spec == SENDER
    assert Subscriber.objects.filter(email="both@tidemail.net", status=Status.PENDING).count() == 2

    Subscriber.objects.update(confirmation_sent_at=timezone.now() - dt.timedelta(minutes=61))
    post_signup(client, "both@tidemail.net", host=OTHER)
    second = mail_sink.to("both@tidemail.net")[1]
    assert second.message["From"].addresses[0].addr_spec == "daily@quay.test"
    url = link_in(parts(second)[0], "confirm")
    assert urlsplit(url).hostname == OTHER
    # The other brand's link is not valid on this brand's host.
    assert follow(client, url.replace(OTHER, HOST)).status_code == 400
    assert confirm_by_button(url).status_code == 200
    assert Subscriber.objects.get(brand=other_brand).status == Status.CONFIRMED
    assert Subscriber.objects.get(brand=brand).status == Status.PENDING


@pytest.mark.django_db(transaction=True)
def test_concurrent_sign_ups_of_one_address_send_one_email(mail_sink, eager, links_https):
    if connection.vendor == "sqlite":
        # SQLite runs one writer at a time (transactions begin IMMEDIATE); the in-memory test
        # database cannot show that across threads. PostgreSQL shows the address lock at work.
        pytest.skip("threads share one in-memory SQLite test database")
    brands = [make_brand("Harbour Herald", [HOST], digest_from=SENDER), make_brand("Quayside Ledger", [OTHER])]
    now = timezone.now()
    start = threading.Barrier(6)
    errors = []

    def run(n):
        try:
            start.wait()
            subscriptions.subscription_start(brand=brands[n % 2], email="race@tidemail.net", sections=["world"],
                                    ip="203.0.113.9", now=now)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(mail_sink.to("race@tidemail.net")) == 1
    assert Subscriber.objects.filter(email="race@tidemail.net").count() == 2


def test_a_confirmed_address_gets_a_note_with_its_preferences_link(client, brand, post_signup, mail_sink):
    subscriber = make_subscriber(brand, "known@tidemail.net", sections=["local"])
    post_signup(client, "known@tidemail.net", sections=["world", "business"])
    subscriber.refresh_from_db()
    assert subscriber.status == Status.CONFIRMED
    assert subscriber.sections == ["local"]  # only the signed preferences link changes them

    (received,) = mail_sink.to("known@tidemail.net")
    assert received.message["Subject"] == "You already get the Harbour Herald daily email"
    text, html_part = parts(received)
    url = link_in(text, "preferences")
    assert html.escape(url) in html_part and "confirm/" not in text
    page = follow(client, url)
    assert page.status_code == 200 and "Your daily email preferences" in body_of(page)
    assert re.search(r'value="local"[^>]* checked', body_of(page))


def test_an_unsubscribed_address_comes_back_with_fresh_consent(client, brand, post_signup, mail_sink):
    subscriber = make_subscriber(brand, "back@tidemail.net", Status.UNSUBSCRIBED, confirmed_at=timezone.now() - dt.timedelta(days=30),
                                 confirmed_ip="192.0.2.1", confirmed_user_agent="Old Browser")
    post_signup(client, "back@tidemail.net", sections=["business"])
    subscriber.refresh_from_db()
    assert subscriber.status == Status.PENDING and subscriber.sections == ["business"]
    assert (subscriber.confirmed_at, subscriber.confirmed_ip, subscriber.confirmed_user_agent) == (None, None, "")
    (received,) = mail_sink.to("back@tidemail.net")
    assert received.message["Subject"] == "Confirm your Harbour Herald daily email"
    assert confirm_by_button(link_in(parts(received)[0], "confirm"), ip="192.0.2.77").status_code == 200
    subscriber.refresh_from_db()
    assert subscriber.status == Status.CONFIRMED and subscriber.confirmed_ip == "192.0.2.77"


def test_a_suppressed_address_gets_nothing(client, brand, post_signup, mail_sink):
    subscriber = make_subscriber(brand, "bounced@tidemail.net", Status.SUPPRESSED, suppressed_reason="hard-bounce")
    assert post_signup(client, "bounced@tidemail.net").status_code == 200
    subscriber.refresh_from_db()
    assert subscriber.status == Status.SUPPRESSED and subscriber.confirmation_sent_at is None
    assert mail_sink.messages == []


def test_the_answer_is_the_same_whatever_the_address(client, brand, post_signup, mail_sink):
    make_subscriber(brand, "pending@tidemail.net", Status.PENDING)
    make_subscriber(brand, "confirmed@tidemail.net")
    make_subscriber(brand, "left@tidemail.net", Status.UNSUBSCRIBED)
    make_subscriber(brand, "bounced@tidemail.net", Status.SUPPRESSED)
    recent = make_subscriber(brand, "mailed@tidemail.net", Status.PENDING)
    Subscriber.objects.filter(pk=recent.pk).update(confirmation_sent_at=timezone.now())
    answers = {}
    for email in ("new@tidemail.net", "pending@tidemail.net", "confirmed@tidemail.net", "left@tidemail.net",
                  "bounced@tidemail.net", "mailed@tidemail.net"):
        response = post_signup(client, email)
        headers = {k: v for k, v in response.items() if k not in {"Date", "Expires"}}
        answers[email] = (response.status_code, headers, without_csrf(body_of(response)))
    assert len({repr(a) for a in answers.values()}) == 1, answers.keys()
    # ... while what happened differs: four messages of two kinds.
    subjects = sorted(m.message["Subject"] for m in mail_sink.messages)
    assert subjects == ["Confirm your Harbour Herald daily email"] * 3 + ["You already get the Harbour Herald daily email"]


# --- what the form refuses ----------------------------------------------------------------


def test_field_errors_keep_what_was_typed(client, brand, post_signup, mail_sink):
    bad = post_signup(client, "not-an-address", sections=["sports"])
    assert bad.status_code == 400
    doc = body_of(bad)
    assert "Enter an email address such as name@example.com." in doc
    assert re.search(r'<input type="email" name="email" value="not-an-address"[^>]*aria-invalid="true"', doc)
    assert re.search(r'value="sports"[^>]* checked', doc) and not re.search(r'value="world"[^>]* checked', doc)

    none = post_signup(client, "reader@tidemail.net", sections=[])
    assert none.status_code == 400
    assert "Choose at least one section." in body_of(none)
    assert 'value="reader@tidemail.net"' in body_of(none)

    empty = post_signup(client, "", sections=["world"])
    assert "Enter your email address." in body_of(empty)

    foreign = post_signup(client, "reader@tidemail.net", sections=["world", "horoscopes"])
    assert foreign.status_code == 400 and "Choose sections from the list." in body_of(foreign)

    assert not Subscriber.objects.exists() and mail_sink.messages == []


@pytest.mark.parametrize("address", [
    "victim@tidemail.net\r\nBcc: other@tidemail.net",
    "victim@tidemail.net\nCc: other@tidemail.net",
    "victim@tidemail.net\rTo: other@tidemail.net",
    "victim@tidemail.net\r\n",
    "victim@tidemail.net%0d%0aBcc:other@tidemail.net",
    "victim@tidemail.net\r\n\r\nInjected body",
    "victim@tidemail.net, other@tidemail.net",
    "Victim <victim@tidemail.net>",
    "victim@tidemail.net>\r\nRCPT TO:<other@tidemail.net",
])
def test_header_injection_in_the_address_is_refused(client, brand, post_signup, mail_sink, address):
    response = post_signup(client, address)
    assert response.status_code == 400
    doc = body_of(response)
    assert re.search(r'<ul class="errorlist" id="id_email_error"><li>[^<]+</li></ul>', doc)
    assert not Subscriber.objects.exists()
    assert mail_sink.messages == []

    # A clean sign-up right after reaches exactly its one recipient, with no extra headers.
    post_signup(client, "victim@tidemail.net")
    (received,) = mail_sink.messages
    assert received.rcpt_tos == ["victim@tidemail.net"]
    msg = received.message
    assert msg["Cc"] is None and msg["Bcc"] is None and msg["To"] == "victim@tidemail.net"
    assert b"other@tidemail.net" not in received.data and b"Injected" not in received.data


def test_a_filled_honeypot_gets_the_same_answer_and_nothing_happens(client, brand, post_signup, mail_sink):
    human = post_signup(client, "human@tidemail.net")
    bot = post_signup(client, "bot-target@tidemail.net", website="https://spam.example/")
    assert bot.status_code == human.status_code == 200
    assert without_csrf(body_of(bot)) == without_csrf(body_of(human))
    assert list(Subscriber.objects.values_list("email", flat=True)) == ["human@tidemail.net"]
    assert mail_sink.to("bot-target@tidemail.net") == []


@pytest.mark.parametrize("stamp, says, carried", [
    ("fresh", "came less than 2 seconds after the form was shown", True),
    ("two-days-old", "This form was open for more than a day", False),
    ("altered", "arrived without the stamp this page puts in it", False),
    ("missing", "arrived without the stamp this page puts in it", False),
    ("from-the-future", "arrived without the stamp this page puts in it", False),
])
def test_the_time_trap_says_what_happened_and_shows_the_form_again(
        client, brand, post_signup, mail_sink, stamp, says, carried):
    now = timezone.now()
    value = {
        "fresh": stamp_make(now),
        "two-days-old": stamp_make(now - dt.timedelta(days=2)),
        "altered": aged_stamp().replace(":", ":x", 1),
        "missing": "",
        "from-the-future": stamp_make(now + dt.timedelta(minutes=5)),
    }[stamp]
    response = post_signup(client, "quick@tidemail.net", sections=["business"], stamp=value)
    assert response.status_code == 400
    doc = html.unescape(body_of(response))
    assert says in doc and "nothing was sent" in doc and 'role="alert"' in doc
    assert 'value="quick@tidemail.net"' in doc and re.search(r'value="business"[^>]* checked', doc)
    assert not Subscriber.objects.exists() and mail_sink.messages == []
    # A form sent too soon comes back with the stamp of its first showing, so pressing again
    # goes through as soon as the minimum has passed; any other comes back with a new stamp.
    shown = re.search(r'name="stamp" value="([^"]+)"', doc)[1]
    assert (shown == value) is carried
    if not carried:
        assert 0 <= stamp_age(shown, timezone.now()) < 5
    assert post_signup(client, "quick@tidemail.net", sections=["business"]).status_code == 200
    assert len(mail_sink.messages) == 1


def test_a_reader_from_the_promo_box_can_press_sign_up_at_once(client, brand, post_signup, mail_sink):
    """The article's promo box leads here with the address filled in: pressing Sign up
    straight away is what a reader does, and it goes through."""
    doc = body_of(client.get("/newsletter/?email=reader%40tidemail.net", HTTP_HOST=HOST))
    assert 'value="reader@tidemail.net"' in doc
    stamp = re.search(r'name="stamp" value="([^"]+)"', doc)[1]
    assert TRAP.verdict(stamp, shown_at(stamp)) == "ok"  # even in the very instant it was shown
    response = post_signup(client, "reader@tidemail.net", stamp=stamp)
    assert response.status_code == 200 and "Check your inbox" in body_of(response)
    assert [m.rcpt_tos for m in mail_sink.messages] == [["reader@tidemail.net"]]
    # The page reached without an address keeps the usual minimum: nobody types that fast.
    blank = re.search(r'name="stamp" value="([^"]+)"', body_of(client.get("/newsletter/", HTTP_HOST=HOST)))[1]
    assert TRAP.verdict(blank, shown_at(blank) + dt.timedelta(seconds=1.9)) == "fast"
    assert TRAP.verdict(blank, shown_at(blank) + dt.timedelta(seconds=2)) == "ok"


def shown_at(stamp: str) -> dt.datetime:
    # stamp_age counts whole milliseconds: a "now" of whole milliseconds gives the exact moment.
    now = timezone.now()
    now = now.replace(microsecond=now.microsecond // 1000 * 1000)
    return now - dt.timedelta(seconds=stamp_age(stamp, now))


def test_too_many_sign_ups_from_one_ip_get_429(client, brand, post_signup, mail_sink):
    clear_of_window_edge(*subscriptions.SIGNUP_LIMITS)
    for n in range(5):
        assert post_signup(client, f"flood{n}@tidemail.net", ip="203.0.113.50").status_code == 200
    before = timezone.now()
    refused = post_signup(client, "flood5@tidemail.net", ip="203.0.113.50")
    assert refused.status_code == 429
    assert 0 < int(refused["Retry-After"]) <= 600
    assert_says_when(refused, tz=brand.tz, before=before, after=timezone.now())
    assert "<h1>Please wait a little</h1>" in body_of(refused) and "minute" in body_of(refused)
    assert not Subscriber.objects.filter(email="flood5@tidemail.net").exists()
    # Bots and bad forms count too; other addresses are not held up.
    assert post_signup(client, "flood6@tidemail.net", ip="203.0.113.50", website="x").status_code == 429
    assert post_signup(client, "other@tidemail.net", ip="203.0.113.51").status_code == 200
    assert len(mail_sink.messages) == 6


def test_the_daily_limit_per_ip():
    start = dt.datetime(2026, 11, 20, 0, 0, 30, tzinfo=dt.timezone.utc)
    allowed = 0
    for n in range(40):  # five tries every ten minutes: the daily limit of 30 bites first
        now = start + dt.timedelta(minutes=10 * (n // 5), seconds=n % 5)
        if subscriptions.signup_wait(ip="203.0.113.60", now=now) is None:
            allowed += 1
    assert allowed == 30
    wait = subscriptions.signup_wait(ip="203.0.113.60", now=start + dt.timedelta(hours=2))
    assert wait == pytest.approx(22 * 3600 - 30, abs=2)  # until the day's window ends
    assert subscriptions.signup_wait(ip="203.0.113.61", now=start + dt.timedelta(hours=2)) is None


def test_the_client_ip_comes_from_the_trusted_proxy(client, brand, post_signup, settings):
    settings.TRUSTED_PROXY_HOPS = 1
    post_signup(client, "proxied@tidemail.net", ip="10.0.0.1", headers={"HTTP_X_FORWARDED_FOR": "203.0.113.70"})
    assert Subscriber.objects.get().signup_ip == "203.0.113.70"


def test_logs_name_subscriber_ids_never_addresses_or_ips(client, brand, post_signup, mail_sink, caplog):
    handler_target = logging.getLogger("wiredesk")  # it does not propagate to the root logger
    handler_target.addHandler(caplog.handler)
    caplog.set_level(logging.DEBUG, logger="wiredesk")
    try:
        post_signup(client, "private.reader@tidemail.net", ip="203.0.113.80")
        confirm_by_button(link_in(parts(mail_sink.messages[0])[0], "confirm"), ip="192.0.2.81")
        post_signup(client, "private.reader@tidemail.net", ip="203.0.113.82")
    finally:
        handler_target.removeHandler(caplog.handler)
    logged = "\n".join(r.getMessage() for r in caplog.records)
    subscriber = Subscriber.objects.get()
    assert f"subscriber_id={subscriber.pk}" in logged and "subscriber confirmed" in logged
    for secret in ("private.reader", "example.com", "203.0.113", "192.0.2"):
        assert secret not in logged

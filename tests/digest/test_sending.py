"""Sending an edition to a real SMTP server on loopback: headers, parts, exactly once."""

from __future__ import annotations

import asyncio
import email
import email.policy
import datetime as dt
import re
import threading

import pytest
from django.db import connection
from django.utils import timezone

from tests.digest.helpers import brand_with_news, subscribe
from tests.web.factories import make_brand, make_source, store
from tests.mailsink import MailSink
from wiredesk.text.dates import format_local
from wiredesk.digest.models import Delivery, Edition, Subscriber
from wiredesk.digest.services import editions, sending
from wiredesk.digest.tokens import make_token

pytestmark = pytest.mark.django_db


def open_today(brand):
    edition, created = editions.edition_open(brand=brand, date=timezone.localdate(), now=timezone.now())
    assert created
    return edition


def test_each_confirmed_subscriber_gets_one_message_with_every_header_and_both_parts(mail_sink, settings):
    settings.PUBLIC_SCHEME, settings.PUBLIC_PORT = "http", ""  # links as a site behind a proxy has them
    brand = brand_with_news()
    readers = [subscribe(brand, f"reader{n}@mail.test") for n in range(5)]
    sports_only = subscribe(brand, "sports@mail.test", sections=["sports"])
    technology_only = subscribe(brand, "tech@mail.test", sections=["technology"])  # nothing new there
    subscribe(brand, "pending@mail.test", status=Subscriber.Status.PENDING)
    subscribe(brand, "left@mail.test", status=Subscriber.Status.UNSUBSCRIBED)
    subscribe(brand, "bounced@mail.test", status=Subscriber.Status.SUPPRESSED)
    edition = open_today(brand)

    report = sending.edition_send(edition_id=edition.pk)

    assert (report.sent, report.failed, report.unknown) == (6, 0, 0)
    assert report.finished
    edition.refresh_from_db()
    assert edition.status == Edition.Status.DONE
    got = sorted(r for m in mail_sink.messages for r in m.rcpt_tos)
    assert got == sorted([r.email for r in readers] + [sports_only.email])
    assert not Delivery.objects.filter(subscriber=technology_only).exists()

    reader = readers[0]
    delivery = Delivery.objects.get(edition=edition, subscriber=reader)
    assert delivery.state == Delivery.State.SENT and delivery.sent_at
    msg = mail_sink.to(reader.email)[0].message
    assert msg["To"] == reader.email
    assert msg["From"].addresses[0].display_name == brand.name
    assert msg["Subject"] == edition.subject
    assert msg["Message-ID"] == f"<digest.{edition.pk}.{delivery.pk}@harbour.test>"
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert msg["List-Id"] == f"{brand.name} daily email <daily.harbour.test>"
    targets = re.findall(r"<([^>]+)>", str(msg["List-Unsubscribe"]))
    assert [t.split(":", 1)[0] for t in targets] == ["http", "mailto"]
    # The links carry the HMAC-signed random key, never the row id.
    assert targets[0] == f"http://harbour.test/newsletter/unsubscribe/{make_token('unsubscribe', reader.key)}/"
    assert make_token("unsubscribe", reader.key) in targets[1]
    text = msg.get_body(("plain",)).get_content()
    html = msg.get_body(("html",)).get_content()
    for part in (text, html):
        assert "World story number 1 about the harbour" in part
        assert targets[0] in part  # the same unsubscribe link in the body
        assert "/newsletter/preferences/" in part
        assert "Sports story" not in part  # not one of this reader's sections
    sports = mail_sink.to(sports_only.email)[0].message.get_body(("plain",)).get_content()
    assert "Sports story number 1" in sports and "World story" not in sports


def test_a_second_run_sends_nothing_and_two_openers_get_one_edition(mail_sink):
    brand = brand_with_news()
    for n in range(3):
        subscribe(brand, f"r{n}@mail.test")
    first, created = editions.edition_open(brand=brand, date=timezone.localdate(), now=timezone.now())
    again, created_again = editions.edition_open(brand=brand, date=timezone.localdate(), now=timezone.now())
    assert created and not created_again and again.pk == first.pk
    sending.edition_send(edition_id=first.pk)
    report = sending.edition_send(edition_id=first.pk)
    assert report.sent == 0
    assert len(mail_sink.messages) == 3
    assert Edition.objects.filter(brand=brand).count() == 1


def test_send_now_pressed_twice_opens_one_edition(mail_sink, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    brand = brand_with_news()
    subscribe(brand, "r@mail.test")
    first, created = editions.edition_send_now(brand=brand)
    second, created_again = editions.edition_send_now(brand=brand)
    assert first.pk == second.pk and created and not created_again
    assert Edition.objects.filter(brand=brand).count() == 1


def test_no_edition_when_nothing_is_new():
    brand = brand_with_news(per_section=0)
    subscribe(brand, "r@mail.test")
    edition, created = editions.edition_open(brand=brand, date=timezone.localdate(), now=timezone.now())
    assert edition is None and not created


def test_a_held_lease_keeps_a_second_sender_out(mail_sink):
    brand = brand_with_news()
    subscribe(brand, "r@mail.test")
    edition = open_today(brand)
    assert sending.lease_acquire(edition_id=edition.pk, owner="someone-else")
    report = sending.edition_send(edition_id=edition.pk)
    assert report.sent == 0 and "another sender" in report.note
    assert mail_sink.messages == []


def test_rows_left_mid_send_by_a_dead_sender_become_unknown_and_are_not_resent(mail_sink):
    brand = brand_with_news()
    readers = [subscribe(brand, f"r{n}@mail.test") for n in range(4)]
    edition = open_today(brand)
    editions.edition_populate(edition=edition)
    # A sender died after claiming the first row; its lease has run out.
    stuck = Delivery.objects.get(edition=edition, subscriber=readers[0])
    Delivery.objects.filter(pk=stuck.pk).update(state=Delivery.State.SENDING, claimed_by="dead-host:1:aa")
    Edition.objects.filter(pk=edition.pk).update(lease_owner="dead-host:1:aa", lease_until=timezone.now() - dt.timedelta(seconds=1))

    report = sending.edition_send(edition_id=edition.pk)

    assert report.recovered_unknown == 1 and report.sent == 3
    stuck.refresh_from_db()
    assert stuck.state == Delivery.State.UNKNOWN
    assert mail_sink.to(readers[0].email) == []
    assert all(len(mail_sink.to(r.email)) == 1 for r in readers[1:])


class _PickyHandler:
    """Refuses or drops chosen recipients, keeps the rest."""

    def __init__(self) -> None:
        self.accepted: list[str] = []
        self.dropped: list[str] = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("gone@"):
            return "550 5.1.1 no such mailbox"
        if address.startswith("busy@"):
            return "451 4.3.0 try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if envelope.rcpt_tos[0].startswith("drop@"):
            # The message arrived, but the connection breaks before the reply.
            self.dropped.append(envelope.rcpt_tos[0])
            server.transport.close()
            await asyncio.sleep(0.05)
            return "250 OK"
        self.accepted.extend(envelope.rcpt_tos)
        return "250 OK"


@pytest.fixture
def picky_sink(settings):
    sink = MailSink()
    sink.handler = _PickyHandler()
    from aiosmtpd.controller import Controller

    sink.controller = Controller(sink.handler, hostname="127.0.0.1", port=sink.port)
    sink.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", sink.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.DIGEST = {**settings.DIGEST, "rate": 0}
    yield sink.handler
    sink.stop()


def test_refused_failed_retried_and_unknown_outcomes(picky_sink):
    brand = brand_with_news()
    for email in ("a@mail.test", "gone@mail.test", "busy@mail.test", "drop@mail.test", "z@mail.test"):
        subscribe(brand, email)
    edition = open_today(brand)

    def state():
        return {d.subscriber.email: d for d in Delivery.objects.filter(edition=edition).select_related("subscriber")}

    first = sending.edition_send(edition_id=edition.pk, owner="sender-1")
    now = state()
    assert now["a@mail.test"].state == Delivery.State.SENT
    assert now["gone@mail.test"].state == Delivery.State.FAILED and "550" in now["gone@mail.test"].error
    # A temporary refusal stops the run and backs off instead of running through everyone.
    assert now["busy@mail.test"].state == Delivery.State.PENDING and now["busy@mail.test"].attempts == 1
    assert now["drop@mail.test"].state == now["z@mail.test"].state == Delivery.State.PENDING
    assert not first.finished
    edition.refresh_from_db()
    assert edition.lease_until > timezone.now() + dt.timedelta(seconds=50)
    assert "another sender" in sending.edition_send(edition_id=edition.pk).note  # nobody else during the pause

    # Each later run retries it (the backoff doubles); after the sixth refusal it is failed and
    # the run goes on to the others. The unknown one is never sent again.
    for _ in range(sending.MAX_ATTEMPTS - 1):
        last = sending.edition_send(edition_id=edition.pk, owner="sender-1")
    now = state()
    assert now["busy@mail.test"].state == Delivery.State.FAILED
    assert now["busy@mail.test"].attempts == sending.MAX_ATTEMPTS
    assert now["drop@mail.test"].state == Delivery.State.UNKNOWN
    assert now["z@mail.test"].state == Delivery.State.SENT
    assert picky_sink.dropped == ["drop@mail.test"]
    assert sorted(picky_sink.accepted) == ["a@mail.test", "z@mail.test"]
    assert last.finished
    assert Edition.objects.get(pk=edition.pk).status == Edition.Status.DONE
    sending.edition_send(edition_id=edition.pk, owner="sender-1")
    assert picky_sink.dropped == ["drop@mail.test"]


def test_mail_server_down_leaves_everyone_pending(settings):
    from tests.mailsink import free_port

    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()
    settings.EMAIL_TIMEOUT = 2
    brand = brand_with_news()
    subscribe(brand, "r@mail.test")
    edition = open_today(brand)
    report = sending.edition_send(edition_id=edition.pk)
    assert report.sent == 0 and "cannot connect" in report.note
    assert list(Delivery.objects.filter(edition=edition).values_list("state", flat=True)) == [Delivery.State.PENDING]
    edition.refresh_from_db()
    assert edition.status == Edition.Status.SENDING and edition.lease_until > timezone.now()


def test_a_subscriber_who_leaves_before_their_turn_is_skipped(mail_sink):
    brand = brand_with_news()
    stay = subscribe(brand, "stay@mail.test")
    leave = subscribe(brand, "leave@mail.test")
    edition = open_today(brand)
    editions.edition_populate(edition=edition)
    Subscriber.objects.filter(pk=leave.pk).update(status=Subscriber.Status.UNSUBSCRIBED)
    sending.edition_send(edition_id=edition.pk)
    assert [r for m in mail_sink.messages for r in m.rcpt_tos] == [stay.email]
    assert Delivery.objects.get(subscriber=leave).state == Delivery.State.SKIPPED


def test_subscribers_confirmed_after_the_edition_opened_wait_for_the_next(mail_sink):
    brand = brand_with_news()
    subscribe(brand, "early@mail.test")
    edition = open_today(brand)
    late = subscribe(brand, "late@mail.test", confirmed_ago=-60)
    sending.edition_send(edition_id=edition.pk)
    assert mail_sink.to(late.email) == []


def test_send_rate_is_honoured(mail_sink, settings):
    settings.DIGEST = {**settings.DIGEST, "rate": 20}
    brand = brand_with_news()
    for n in range(11):
        subscribe(brand, f"r{n}@mail.test")
    edition = open_today(brand)
    report = sending.edition_send(edition_id=edition.pk)
    assert report.sent == 11
    assert report.seconds >= 10 / 20 * 0.9


@pytest.mark.django_db(transaction=True)
def test_two_senders_at_once_send_each_recipient_one_message(mail_sink):
    if connection.vendor == "sqlite":
        pytest.skip("threads share one in-memory SQLite test database; the kill test covers SQLite")
    brand = brand_with_news()
    for n in range(60):
        subscribe(brand, f"r{n}@mail.test")
    edition = open_today(brand)
    reports = []

    def run():
        try:
            reports.append(sending.edition_send(edition_id=edition.pk))
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    got = [r for m in mail_sink.messages for r in m.rcpt_tos]
    assert len(got) == len(set(got)) == 60
    assert sum(r.sent for r in reports) == 60


def test_the_per_section_template_gives_each_recipient_the_message_built_for_them(mail_sink):
    brand = brand_with_news()
    reader = subscribe(brand, "reader@mail.test")
    edition = open_today(brand)
    from wiredesk.digest.render import EditionRenderer

    renderer = EditionRenderer(brand=brand, date=edition.date, stories=edition.stories, subject=edition.subject)
    parts = renderer.parts(reader.sections)
    transport = sending.Transport()
    template = sending.MessageTemplate(edition, parts, transport)
    assert template.data, "the placeholders did not survive: every message would take the slow path"
    fast = template.prepare(delivery_id=41, key=reader.key, email=reader.email)
    full = transport.prepare(sending.message_build(edition=edition, parts=parts, delivery_id=41, key=reader.key, email=reader.email))

    def parsed(data: bytes):
        msg = email.message_from_bytes(data, policy=email.policy.default)
        headers = [(k, " ".join(str(v).split())) for k, v in msg.items() if k not in ("Date", "Content-Type")]
        bodies = [msg.get_body((kind,)).get_content() for kind in ("plain", "html")]
        return headers, bodies

    assert fast[:2] == full[:2]
    assert parsed(fast[2]) == parsed(full[2])
    # A non-ASCII address takes the full path.
    odd = template.prepare(delivery_id=42, key=reader.key, email="zoë@mail.test")
    assert b"rcpt.placeholder" not in odd[2]


def test_digest_send_and_status_commands(mail_sink):
    from io import StringIO

    from django.core.management import call_command

    brand = brand_with_news()
    for n in range(3):
        subscribe(brand, f"r{n}@mail.test")
    out = StringIO()
    call_command("digest", "send", "--brand", "harbour.test", "--wait", stdout=out)
    assert "sent 3, failed 0, unknown 0" in out.getvalue()
    edition = Edition.objects.get(brand=brand)
    finished = format_local(edition.finished_at, brand.tz)
    for again in (["--wait"], []):  # sent in this process or queued: the same plain answer
        out = StringIO()
        call_command("digest", "send", "--brand", "harbour.test", *again, stdout=out)
        said = out.getvalue()
        assert f"today's edition ({edition.date:%-d %b %Y}) was already sent, finishing at {finished}" in said
        assert "not sent again" in said and "queued" not in said and "sent 0" not in said
    assert len(mail_sink.messages) == 3
    out = StringIO()
    call_command("digest", "status", stdout=out)
    assert "Harbour Telegraph: done; sent 3, failed 0, unknown 0" in out.getvalue()


def test_digest_send_says_plainly_when_the_edition_is_being_sent(settings):
    from io import StringIO

    from django.core.management import call_command

    brand = brand_with_news()
    subscribe(brand, "r0@mail.test")
    edition, created = editions.edition_open(brand=brand, date=timezone.localdate(), now=timezone.now())
    Edition.objects.filter(pk=edition.pk).update(status=Edition.Status.SENDING)
    out = StringIO()
    call_command("digest", "send", "--brand", "harbour.test", stdout=out)
    opened = format_local(edition.created_at, brand.tz)
    assert f"is already being sent (opened at {opened}); its sending goes on" in out.getvalue()


def test_the_file_outbox_gets_one_file_per_run_with_mail_and_none_without(settings, tmp_path):
    """The demo writes mail into a folder, one file per connection: an edition nobody is to
    receive (no subscribers, or all of them gone) opens none."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = str(tmp_path / "outbox")
    settings.DIGEST = {**settings.DIGEST, "rate": 0}
    nobody = brand_with_news("Quiet Gazette", "quiet.test")
    left = brand_with_news("Empty Courier", "empty.test")
    subscribe(left, "gone@mail.test")
    busy = brand_with_news()
    for n in range(2):
        subscribe(busy, f"r{n}@mail.test")
    first = open_today(left)
    sending.edition_populate(edition=first)
    Subscriber.objects.filter(brand=left).update(status=Subscriber.Status.UNSUBSCRIBED)
    for brand in (nobody, left):
        edition = Edition.objects.filter(brand=brand).first() or open_today(brand)
        report = sending.edition_send(edition_id=edition.pk)
        assert report.sent == 0 and report.finished
    outbox = tmp_path / "outbox"
    assert not outbox.exists() or list(outbox.iterdir()) == []
    report = sending.edition_send(edition_id=open_today(busy).pk)
    assert report.sent == 2
    (written,) = outbox.iterdir()
    assert written.read_bytes().count(b"\nSubject: ") == 2


class ProviderError(Exception):
    def __init__(self, status_code: int) -> None:
        super().__init__(f"provider answered {status_code}")
        self.status_code = status_code


class ProviderBackend:
    """A mail backend that answers like an HTTP provider would, chosen by the recipient's name."""

    sent: list[str] = []

    def __init__(self, *args, **kwargs) -> None:
        pass

    def open(self):
        return True

    def close(self):
        pass

    def send_messages(self, messages):
        for message in messages:
            local = message.to[0].split("@")[0]
            if local.startswith("http"):
                raise ProviderError(int(local[4:]))
            ProviderBackend.sent.append(message.to[0])
        return len(messages)


def test_provider_answers_are_sorted_into_refused_retry_and_unknown(settings):
    settings.EMAIL_BACKEND = "tests.digest.test_sending.ProviderBackend"
    settings.DIGEST = {**settings.DIGEST, "rate": 0}
    ProviderBackend.sent = []
    brand = brand_with_news()
    for email in ("ok@mail.test", "http400@mail.test", "http502@mail.test", "http429@mail.test"):
        subscribe(brand, email)
    edition = open_today(brand)
    sending.edition_send(edition_id=edition.pk, owner="s")
    states = {d.subscriber.email: d.state for d in Delivery.objects.filter(edition=edition).select_related("subscriber")}
    assert states["ok@mail.test"] == Delivery.State.SENT
    assert states["http400@mail.test"] == Delivery.State.FAILED  # refused: nothing was taken
    assert states["http502@mail.test"] == Delivery.State.UNKNOWN  # may have been taken: never resent
    assert states["http429@mail.test"] == Delivery.State.PENDING  # slow down: retried later


def test_a_refused_confirmation_mail_logs_no_address(picky_sink, caplog):
    import logging

    from wiredesk.digest.services.subscriptions import confirmation_send

    brand = brand_with_news()
    reader = subscribe(brand, "gone@mail.test", status=Subscriber.Status.PENDING)
    with caplog.at_level(logging.DEBUG):
        confirmation_send(subscriber_id=reader.pk)  # the server refuses the recipient, quoting it
    assert "signup mail failed" in caplog.text
    assert "gone@mail.test" not in "\n".join(
        f"{r.getMessage()} {r.exc_text or ''}" for r in caplog.records if not r.name.startswith("mail.log")
    )


def test_long_headlines_keep_the_per_section_template_usable(mail_sink):
    # Many sections with long headlines once made an HTML line longer than SMTP allows, so the
    # part was quoted-printable encoded and every message fell back to the slow full build.
    source = make_source("Harbour Wire")
    brand = make_brand("Harbour Telegraph", ["harbour.test"], sources=[source])
    long_words = " ".join(["extraordinarily"] * 28)
    for section in ("world", "business", "technology", "sports", "local", "photo"):
        store(source, f"{section} {long_words}", section=section)
    reader = subscribe(brand, "reader@mail.test", sections=["world", "business", "technology", "sports", "local", "photo"])
    edition = open_today(brand)
    from wiredesk.digest.render import EditionRenderer

    parts = EditionRenderer(brand=brand, date=edition.date, stories=edition.stories, subject=edition.subject).parts(reader.sections)
    template = sending.MessageTemplate(edition, parts, sending.Transport())
    assert template.data, "the template fell back to building every message in full"
    assert sending.edition_send(edition_id=edition.pk).sent == 1

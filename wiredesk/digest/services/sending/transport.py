"""The mail transport of the sender: one SMTP connection (or the configured backend's) that
hands over prepared messages, and what a refusal means."""

from __future__ import annotations

import logging
import smtplib

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends.smtp import EmailBackend as SmtpBackend
from django.core.mail.message import sanitize_address

from wiredesk.core import mailsigning

log = logging.getLogger("wiredesk.digest")

class NotSent(Exception):
    """The server refused the message: nothing was delivered."""

    def __init__(self, message: str, *, permanent: bool, connection_lost: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent
        self.connection_lost = connection_lost


class Unknown(Exception):
    """The connection broke once the message was on its way: it may have been delivered."""


class TransportDown(Exception):
    """No connection to the mail server: stop this run, the rows stay pending."""


# --- the mail transport --------------------------------------------------------------------


def _code_error(code: int, reply: bytes, what: str) -> NotSent:
    text = reply.decode("utf-8", "replace")[:200] if isinstance(reply, bytes) else str(reply)[:200]
    return NotSent(f"{what} refused: {code} {text}", permanent=500 <= code < 600)


class Transport:
    """One open connection of Django's configured email backend.

    With the SMTP backend the SMTP conversation is driven step by step, because where it
    breaks decides the outcome: before DATA nothing was delivered; during DATA it may have
    been. Other backends (anymail's providers, file, console) get ``send_messages``, and an
    error from them counts as unknown unless it says the provider refused the message.
    """

    def __init__(self) -> None:
        self.backend = get_connection(fail_silently=False)
        self.smtp = isinstance(self.backend, SmtpBackend)
        self.opened = False

    def open(self) -> None:
        try:
            self.backend.open()
        except (OSError, smtplib.SMTPException) as exc:
            raise TransportDown(f"cannot connect to the mail server: {type(exc).__name__}") from exc
        self.opened = True

    def ensure_open(self) -> None:
        """Connect before the first message, not before knowing there is one: an edition with
        nobody to send to opens no SMTP session (and the file backend writes no empty file)."""
        if not self.opened:
            self.open()

    def close(self) -> None:
        try:
            self.backend.close()
        except Exception:  # closing a broken connection may fail too; it is gone either way
            pass

    def prepare(self, message: EmailMultiAlternatives):
        """Everything that can fail on our side, done before the row is claimed."""
        if not self.smtp:
            return message
        return self.signed(*self.unsigned(message))

    @staticmethod
    def unsigned(message: EmailMultiAlternatives):
        encoding = message.encoding or settings.DEFAULT_CHARSET
        sender = sanitize_address(message.from_email, encoding)
        recipients = [sanitize_address(a, encoding) for a in message.recipients()]
        return sender, recipients, message.message().as_bytes(linesep="\r\n")

    @staticmethod
    def signed(sender: str, recipients: list[str], data: bytes):
        """The message with its DKIM signature when a key is configured (core.mailsigning). A
        key that cannot be used stops the run before any row is claimed: everyone stays pending."""
        try:
            return sender, recipients, mailsigning.sign(data, sender=sender)
        except mailsigning.SigningUnavailable as exc:
            raise TransportDown(str(exc)) from exc

    def send(self, prepared) -> None:
        if not self.smtp:
            return self._send_generic(prepared)
        sender, recipients, data = prepared
        if self.backend.connection is None:
            try:
                self.open()
            except TransportDown as exc:
                raise NotSent(str(exc), permanent=False, connection_lost=True) from exc
        conn = self.backend.connection
        try:
            conn.ehlo_or_helo_if_needed()
            code, reply = conn.mail(sender)
            if code != 250:
                raise _code_error(code, reply, "sender")
            for rcpt in recipients:
                code, reply = conn.rcpt(rcpt)
                if code not in (250, 251):
                    raise _code_error(code, reply, "recipient")
        except NotSent:
            self._reset()
            raise
        except (OSError, smtplib.SMTPException) as exc:
            # The connection broke before the message was offered: nothing was delivered.
            self.close()
            self.backend.connection = None
            raise NotSent(
                f"connection lost before sending: {type(exc).__name__}", permanent=False, connection_lost=True
            ) from exc
        try:
            code, reply = conn.data(data)
        except smtplib.SMTPDataError as exc:
            self._reset()
            raise _code_error(exc.smtp_code, exc.smtp_error, "message") from exc
        except (OSError, smtplib.SMTPException) as exc:
            self.close()
            self.backend.connection = None
            raise Unknown(f"connection lost while handing over the message: {type(exc).__name__}") from exc
        if code != 250:
            self._reset()
            raise _code_error(code, reply, "message")

    def _reset(self) -> None:
        try:
            self.backend.connection.rset()
        except Exception:
            self.close()
            self.backend.connection = None

    def _send_generic(self, message: EmailMultiAlternatives) -> None:
        try:
            self.backend.send_messages([message])
        except Exception as exc:
            status = getattr(exc, "status_code", None)
            if status is not None and int(status) == 429:
                raise NotSent("provider asked to slow down: 429", permanent=False) from exc
            if status is not None and 400 <= int(status) < 500:
                # The provider answered that it will not take the message.
                raise NotSent(f"provider refused: {status}", permanent=True) from exc
            # A 5xx (a gateway timeout above all) may come after the provider took the message.
            if type(exc).__name__ in {"AnymailRecipientsRefused", "AnymailInvalidAddress"}:
                raise NotSent(f"provider refused: {type(exc).__name__}", permanent=True) from exc
            raise Unknown(f"provider call failed: {type(exc).__name__}") from exc

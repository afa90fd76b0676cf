"""DKIM signatures on outgoing mail, when the operator gives a key.

Gmail and Yahoo ask bulk senders for DKIM aligned with the From domain, and for the signature
to cover both List-Unsubscribe headers (RFC 8058 §4). Most operators send through a relay or
a provider that signs; one that sends through its own SMTP server gives wiredesk the key
(``WIREDESK_DKIM_KEY_FILE``, a PEM RSA private key, and ``WIREDESK_DKIM_SELECTOR``) and the
public half in DNS at ``<selector>._domainkey.<domain>``. The signing domain is the From
address's domain unless ``WIREDESK_DKIM_DOMAIN`` names one (a parent domain stays aligned
under DMARC's relaxed rule). Relaxed canonicalisation for header and body: a relay that
refolds a long header does not break the signature.

Signed: the daily email (digest.services.sending, on the SMTP path it drives itself) and
every other message sent through the SMTP backend (``SigningSmtpBackend``: confirmations,
verification and decision emails).
"""

from __future__ import annotations

import functools
from email.utils import parseaddr
from pathlib import Path

import dkim
from django.conf import settings
from django.core.mail.backends.smtp import EmailBackend

SIGNED_HEADERS = [
    b"from", b"to", b"cc", b"subject", b"date", b"message-id", b"mime-version", b"content-type",
    b"reply-to", b"list-id", b"list-unsubscribe", b"list-unsubscribe-post", b"auto-submitted",
]


class SigningUnavailable(Exception):
    """DKIM is configured but its key cannot be used; the message says why, in one line."""


@functools.lru_cache(maxsize=4)
def _key(path: str) -> bytes:
    try:
        key = Path(path).read_bytes()
    except OSError as exc:
        raise SigningUnavailable(f"the DKIM key {path} cannot be read: {exc.strerror or exc}") from None
    if b"PRIVATE KEY" not in key:
        raise SigningUnavailable(f"the DKIM key {path} is not a PEM private key")
    return key


def configured() -> bool:
    return bool(settings.DKIM["key_file"])


def sign(data: bytes, *, sender: str) -> bytes:
    """``data`` (a whole message, CRLF line ends) with a DKIM-Signature header in front;
    unchanged when no key is configured."""
    if not configured():
        return data
    domain = settings.DKIM["domain"] or parseaddr(sender)[1].rpartition("@")[2]
    if not domain:
        raise SigningUnavailable("no domain to sign for: the sender address has none")
    try:
        header = dkim.sign(data, settings.DKIM["selector"].encode(), domain.encode("idna"),
                           _key(settings.DKIM["key_file"]), include_headers=SIGNED_HEADERS,
                           canonicalize=(b"relaxed", b"relaxed"), linesep=b"\r\n")
    except dkim.DKIMException as exc:
        raise SigningUnavailable(f"the message could not be signed: {exc}") from None
    return header + data


class SigningSmtpBackend(EmailBackend):
    """Django's SMTP backend, signing each message with DKIM when a key is configured."""

    def _send(self, email_message):
        if not configured():
            return super()._send(email_message)
        if not email_message.recipients():
            return False
        from django.core.mail.message import sanitize_address

        encoding = email_message.encoding or settings.DEFAULT_CHARSET
        from_email = sanitize_address(email_message.from_email, encoding)
        recipients = [sanitize_address(addr, encoding) for addr in email_message.recipients()]
        data = sign(email_message.message().as_bytes(linesep="\r\n"), sender=from_email)
        try:
            self.connection.sendmail(from_email, recipients, data)
        except Exception:
            if not self.fail_silently:
                raise
            return False
        return True

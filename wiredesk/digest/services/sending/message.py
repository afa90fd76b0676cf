"""The edition's message: built once per edition as a template, then filled in per reader
(address, delivery id, unsubscribe links) without rendering again."""

from __future__ import annotations

import logging
import re
from email.utils import formataddr, formatdate

from django.core.mail import EmailMultiAlternatives

from wiredesk.digest import links
from wiredesk.digest.models import Edition
from wiredesk.digest.render import PREFERENCES_MARK, UNSUBSCRIBE_MARK

from wiredesk.digest.services.sending.transport import Transport

log = logging.getLogger("wiredesk.digest")

# --- messages ------------------------------------------------------------------------------


def message_build(
    *,
    edition: Edition,
    parts,
    delivery_id: int | str,
    key: str,
    email: str,
    links_for=None,
    date: str | None = None,
) -> EmailMultiAlternatives:
    """The message for one recipient (``links_for`` and ``date`` let a template keep placeholders)."""
    brand = edition.brand
    if links_for is None:
        unsubscribe, mailto = links.unsubscribe_links(brand, key)
        preferences = links.preferences_url(brand, key)
    else:
        unsubscribe, preferences, mailto = links_for
    text = parts.text.replace(UNSUBSCRIBE_MARK, unsubscribe).replace(PREFERENCES_MARK, preferences)
    html = parts.html.replace(UNSUBSCRIBE_MARK, unsubscribe).replace(PREFERENCES_MARK, preferences)
    headers = {
        "Date": date or formatdate(usegmt=True),
        "Message-ID": f"<digest.{edition.pk}.{delivery_id}@{brand.primary_host}>",
        "List-Unsubscribe": f"<{unsubscribe}>, <{mailto}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        "List-Id": f"{brand.name} daily email <daily.{brand.primary_host}>",
        "Precedence": "bulk",
        "Auto-Submitted": "auto-generated",
    }
    message = EmailMultiAlternatives(
        subject=parts.subject,
        body=text,
        from_email=formataddr((brand.name, links.sender(brand))),
        to=[email],
        headers=headers,
    )
    message.attach_alternative(html, "text/html")
    return message


_TO = "rcpt.placeholder@wiredesk.invalid"
_ID = "%%DELIVERY_ID%%"
_MAILTO = "%%UNSUBSCRIBE_MAILTO%%"
_DATE = "%%DATE%%"
_SAFE_ADDRESS = re.compile(r"[A-Za-z0-9.!#$&'*+/=?^_`{|}~-]+@[A-Za-z0-9.-]+")


class MessageTemplate:
    """One edition's message for one set of sections, built once with placeholders.

    Building a MIME message with the standard library costs about as much as handing it to
    a mail server, so the message is generated once per section set and each recipient's
    copy is the same bytes with their address, Message-ID, date and signed links put in. The
    result is what ``message_build`` + ``Transport.prepare`` would give for that recipient;
    when a placeholder did not survive generation (an encoded body), or an address is not
    plain ASCII, the full path is taken instead.
    """

    def __init__(self, edition: Edition, parts, transport: "Transport") -> None:
        self.edition, self.parts, self.transport = edition, parts, transport
        self.data = b""
        if transport.smtp:
            message = message_build(
                edition=edition, parts=parts, delivery_id=_ID, key="", email=_TO, date=_DATE,
                links_for=(UNSUBSCRIBE_MARK, PREFERENCES_MARK, _MAILTO))
            self.sender, _rcpts, data = transport.unsigned(message)  # signed per recipient below
            # Every placeholder must be there exactly as often as it was put in: a part that
            # was encoded (quoted-printable, base64) would have split or hidden some of them.
            expected = {
                _TO: 1, _ID: 1, _MAILTO: 1, _DATE: 1,
                UNSUBSCRIBE_MARK: 1 + parts.text.count(UNSUBSCRIBE_MARK) + parts.html.count(UNSUBSCRIBE_MARK),
                PREFERENCES_MARK: parts.text.count(PREFERENCES_MARK) + parts.html.count(PREFERENCES_MARK),
            }
            if all(data.count(mark.encode()) == n for mark, n in expected.items()):
                self.data = data
            else:
                log.warning("edition %s: message template unusable, building each message in full", edition.pk)

    def prepare(self, *, delivery_id: int, key: str, email: str):
        if not self.data or not _SAFE_ADDRESS.fullmatch(email):
            return self.transport.prepare(
                message_build(edition=self.edition, parts=self.parts, delivery_id=delivery_id, key=key, email=email)
            )
        brand = self.edition.brand
        unsubscribe, mailto = links.unsubscribe_links(brand, key)  # one signature for both
        data = (
            self.data.replace(UNSUBSCRIBE_MARK.encode(), unsubscribe.encode())
            .replace(PREFERENCES_MARK.encode(), links.preferences_url(brand, key).encode())
            .replace(_MAILTO.encode(), mailto.encode())
            .replace(_ID.encode(), str(delivery_id).encode())
            .replace(_TO.encode(), email.encode())
            .replace(_DATE.encode(), formatdate(usegmt=True).encode())
        )
        return self.transport.signed(self.sender, [email], data)

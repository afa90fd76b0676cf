"""Bounce, complaint and inbound-unsubscribe events from the mail provider (anymail signals).

anymail's webhook views have checked the provider's signature (and the shared basic-auth
secret) before these receivers run; they only translate the event and call the service.
An exception here answers 500, which providers take as "try again later".
"""

from __future__ import annotations

from anymail.exceptions import AnymailInvalidAddress
from anymail.signals import inbound, tracking
from django.dispatch import receiver

from wiredesk.digest.services import suppression


@receiver(tracking, dispatch_uid="wiredesk.digest.webhooks.tracking")
def record_bounce_or_complaint(sender, event, esp_name, **kwargs) -> None:
    """Store a bounce or complaint and apply the suppression rules; ignore other events."""
    kind = suppression.bounce_kind(event_type=event.event_type, mta_response=event.mta_response)
    if kind is None:
        return
    suppression.mail_event_record(
        esp=esp_name or "", event_id=event.event_id, kind=kind, occurred_at=event.timestamp,
        message_id=event.message_id, recipient=event.recipient,
    )


@receiver(inbound, dispatch_uid="wiredesk.digest.webhooks.inbound")
def unsubscribe_by_mail(sender, event, esp_name, **kwargs) -> None:
    """Act on a mail to the List-Unsubscribe mailto: address; ignore any other mail."""
    message = event.message
    if message is None:
        return
    recipients = [r for r in (message.envelope_recipient or "").split(",") if r.strip()]
    try:
        recipients += [address.addr_spec for address in message.to]
    except AnymailInvalidAddress:
        pass  # a malformed To: the envelope recipient still counts
    suppression.subscriber_unsubscribe_by_mail(subject=message.subject, recipients=recipients)

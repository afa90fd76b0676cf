"""The complaint rate: how often readers mark a brand's daily email as spam.

Mailbox providers judge a sender by it; the large ones ask bulk senders to stay under
0.1 % and treat 0.3 % as the line past which mail goes to spam or is refused. It is counted
per brand over the last ``WINDOW``: complaints the provider reported for the brand's digest
messages (recorded by `suppression.mail_event_record`), divided by the digest messages sent.

- At ``ALARM`` (0.1 %) staff are warned: an error in the log at every run of an edition, and
  a warning on the daily email's admin pages.
- At ``HALT`` (0.3 %, and at least ``HALT_MIN_COMPLAINTS`` complaints, so that one complaint
  on a small list does not stop it) the brand's editions stop sending. What is pending stays
  pending, never dropped: the sender looks again every ``HALT_RETRY`` and goes on once the
  rate is back under the line (complaints older than the window no longer count).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from wiredesk.digest.models import Delivery, MailEvent

WINDOW = dt.timedelta(days=7)
ALARM = 0.001
HALT = 0.003
HALT_MIN_COMPLAINTS = 3
HALT_RETRY = 3600.0  # seconds between two looks at a halted brand's pending edition

OK, WARNED, HALTED = "ok", "alarm", "halt"


@dataclass(frozen=True)
class Reputation:
    brand_id: int
    sent: int
    complaints: int
    level: str

    @property
    def rate(self) -> float:
        return self.complaints / self.sent if self.sent else (1.0 if self.complaints else 0.0)

    def describe(self) -> str:
        return (f"{self.complaints} spam complaint{'s' if self.complaints != 1 else ''} for {self.sent:,} messages "
                f"in {WINDOW.days} days ({self.rate:.2%})")


def brand_reputation(*, brand_id: int, now: dt.datetime | None = None) -> Reputation:
    since = (now or timezone.now()) - WINDOW
    complaints = MailEvent.objects.filter(
        kind=MailEvent.Kind.COMPLAINT, delivery__edition__brand_id=brand_id, occurred_at__gte=since,
    ).count()
    sent = Delivery.objects.filter(edition__brand_id=brand_id, state=Delivery.State.SENT, sent_at__gte=since).count()
    rate = complaints / sent if sent else (1.0 if complaints else 0.0)
    if complaints >= HALT_MIN_COMPLAINTS and rate >= HALT:
        level = HALTED
    elif complaints and rate >= ALARM:
        level = WARNED
    else:
        level = OK
    return Reputation(brand_id=brand_id, sent=sent, complaints=complaints, level=level)


def brands_at_risk(*, now: dt.datetime | None = None) -> list[Reputation]:
    """Every brand with a complaint in the window whose rate reaches the alarm."""
    since = (now or timezone.now()) - WINDOW
    brand_ids = (MailEvent.objects.filter(kind=MailEvent.Kind.COMPLAINT, occurred_at__gte=since,
                                          delivery__isnull=False)
                 .values_list("delivery__edition__brand_id", flat=True).distinct())
    found = [brand_reputation(brand_id=b, now=now) for b in sorted(set(brand_ids))]
    return [r for r in found if r.level != OK]

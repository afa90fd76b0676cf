"""Sending one edition: each recipient gets it once, or is listed as unknown; never twice.

The protocol, per recipient:

1. the row is claimed with a compare-and-set ``pending -> sending`` and committed;
2. the message is handed to the mail server;
3. the outcome is committed: ``sent``, ``failed`` (the server refused it, so nothing was
   delivered), back to ``pending`` (refused for now: retried later), or ``unknown`` (the
   connection broke after the message may have been accepted).

A sender killed anywhere leaves at most the row it was on in ``sending``. Only one sender
works on an edition at a time: it holds a lease on the edition row and renews it while it
runs. The next sender to take the lease marks every ``sending`` row it finds ``unknown``
(the message may or may not have gone out) and carries on with ``pending``: nobody is sent
the edition twice and nobody is skipped. Unknown rows are listed for staff; they are never
resent automatically. The Message-ID is fixed per delivery, so even a manual resend would
be recognised by the receiving system as the same message.
"""

from wiredesk.digest.services.editions import edition_populate
from wiredesk.digest.services.sending.lease import lease_acquire, new_owner, lease_release, lease_renew
from wiredesk.digest.services.sending.message import MessageTemplate, message_build
from wiredesk.digest.services.sending.run import BACKOFF_SECONDS, BATCH, MAX_ATTEMPTS, Report, edition_send
from wiredesk.digest.services.sending.transport import NotSent, Transport, TransportDown, Unknown

__all__ = [
    "BACKOFF_SECONDS", "BATCH", "MAX_ATTEMPTS", "MessageTemplate", "NotSent", "Report", "Transport", "TransportDown",
    "Unknown", "edition_populate", "lease_acquire", "lease_release", "lease_renew", "message_build", "new_owner",
    "edition_send",
]

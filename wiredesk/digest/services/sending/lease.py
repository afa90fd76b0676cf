"""The lease on an edition: one sender at a time, renewed while it runs; and the pacer that
keeps the sending rate."""

from __future__ import annotations

import datetime as dt
import logging
import os
import secrets
import socket
import time

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from wiredesk.core.heartbeat import progress
from wiredesk.digest.models import Edition

log = logging.getLogger("wiredesk.digest")

# --- the lease -----------------------------------------------------------------------------


def new_owner() -> str:
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{secrets.token_hex(4)}"


def lease_acquire(*, edition_id: int, owner: str, now: dt.datetime | None = None) -> bool:
    now = now or timezone.now()
    until = now + dt.timedelta(seconds=settings.DIGEST["lease_seconds"])
    return bool(
        Edition.objects.filter(pk=edition_id)
        .exclude(status=Edition.Status.DONE)
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now) | Q(lease_owner=owner))
        .update(lease_owner=owner, lease_until=until)
    )


def lease_renew(*, edition_id: int, owner: str) -> bool:
    progress()  # a long edition keeps its worker's heartbeat alive (core.heartbeat)
    until = timezone.now() + dt.timedelta(seconds=settings.DIGEST["lease_seconds"])
    return bool(Edition.objects.filter(pk=edition_id, lease_owner=owner).update(lease_until=until))


def lease_release(*, edition_id: int, owner: str, retry_after: float = 0) -> None:
    until = timezone.now() + dt.timedelta(seconds=retry_after)
    Edition.objects.filter(pk=edition_id, lease_owner=owner).update(lease_until=until)


class Pacer:
    """At most ``rate`` messages per second (0: no limit)."""

    def __init__(self, rate: float) -> None:
        self.interval = 1.0 / rate if rate else 0.0
        self.next = time.monotonic()

    def wait(self) -> None:
        if not self.interval:
            return
        now = time.monotonic()
        if self.next > now:
            time.sleep(self.next - now)
        self.next = max(self.next, now) + self.interval

"""Opening a brand's edition once per local date, and building its recipient list.

``tick`` runs on every scheduler beat: it opens the editions that are due and re-enqueues
unfinished ones whose sender died (its lease ran out). Everything here is safe to run twice
at once: the unique (brand, date) constraint decides which of two openers wins, and the
recipient list is inserted with ON CONFLICT DO NOTHING over the unique (edition, subscriber).
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from wiredesk.brands.models import Brand
from wiredesk.digest.queue import edition_send_later
from wiredesk.digest import content, schedule
from wiredesk.digest.models import Delivery, Edition, Subscriber
from wiredesk.text.dates import format_local

log = logging.getLogger("wiredesk.digest")
POPULATE_BATCH = 2000
# An edition still unfinished this long after it opened is closed: its news is stale.
EDITION_LIFETIME = dt.timedelta(hours=20)


def edition_open(*, brand: Brand, date: dt.date, now: dt.datetime) -> tuple[Edition | None, bool]:
    """The brand's edition for ``date``, created if there is something new; (edition, created)."""
    existing = Edition.objects.filter(brand=brand, date=date).first()
    if existing is not None:
        return existing, False
    since, cutoff = content.window(brand, now)
    stories = content.select_stories(
        brand, since=since, cutoff=cutoff, per_section=settings.DIGEST["stories_per_section"]
    )
    if not stories:
        return None, False
    try:
        with transaction.atomic():
            edition = Edition.objects.create(
                brand=brand, date=date, since=since, cutoff=cutoff,
                subject=content.edition_subject(brand, date), stories=stories,
            )
    except IntegrityError:
        # Another scheduler or a second "send now" opened it first: theirs is the edition.
        return Edition.objects.get(brand=brand, date=date), False
    log.info("edition opened edition_id=%s brand_id=%s sections=%s", edition.pk, brand.pk, len(stories))
    return edition, True


def _enqueue(edition_id: int) -> None:
    edition_send_later(edition_id=edition_id)


def edition_send_now(*, brand: Brand, now: dt.datetime | None = None,
                     enqueue: bool = True) -> tuple[Edition | None, bool]:
    """Open today's edition for the brand (whatever the hour) and have it sent; (edition, created).

    Pressing it twice gives the same edition: one per brand and local date. With
    ``enqueue=False`` the caller sends it itself.
    """
    now = now or timezone.now()
    edition, created = edition_open(brand=brand, date=schedule.local_date(now, brand.tz), now=now)
    if enqueue and edition is not None and edition.status != Edition.Status.DONE:
        _enqueue(edition.pk)
    return edition, created


def edition_send_now_outcome(*, brand: Brand, edition: Edition | None, created: bool) -> str:
    """What "send now" did, in plain words, for the admin and the command line."""
    if edition is None:
        return f"{brand.name}: nothing new since the last edition, so no email was opened."
    day = f"{edition.date:%-d %b %Y}"
    if created:
        return f"{brand.name}: today's edition ({day}) opened and queued for sending."
    if edition.skipped:
        return (f"{brand.name}: today's edition ({day}) was skipped: the platform was not running from before its "
                "hour until its 6-hour grace ran out. The daily email goes out once a day, so it is not sent now.")
    if edition.status == Edition.Status.DONE:
        finished = format_local(edition.finished_at or edition.created_at, brand.tz)
        return (f"{brand.name}: today's edition ({day}) was already sent, finishing at {finished}. "
                "The daily email goes out once a day, so it is not sent again.")
    return (f"{brand.name}: today's edition ({day}) is already being sent (opened at "
            f"{format_local(edition.created_at, brand.tz)}); its sending goes on, and nobody gets it twice.")


def edition_populate(*, edition: Edition) -> int:
    """Insert one pending delivery per confirmed subscriber who takes a section of the edition.

    Streams subscribers in id order, never all at once. Re-running after a crash adds only
    the rows that are missing. Returns how many rows were inserted by this call.
    """
    sections = set(edition.stories)
    subscribers = (
        Subscriber.objects.filter(
            brand_id=edition.brand_id, status=Subscriber.Status.CONFIRMED, confirmed_at__lte=edition.created_at,
        )
        .order_by("id")
        .values_list("id", "sections")
    )
    inserted = 0
    batch: list[Delivery] = []
    for subscriber_id, chosen in subscribers.iterator(chunk_size=POPULATE_BATCH):
        if sections.intersection(chosen or ()):
            batch.append(Delivery(edition_id=edition.pk, subscriber_id=subscriber_id))
        if len(batch) >= POPULATE_BATCH:
            inserted += _insert(batch)
            batch = []
    if batch:
        inserted += _insert(batch)
    Edition.objects.filter(pk=edition.pk).update(populated_at=timezone.now(), status=Edition.Status.SENDING)
    edition.refresh_from_db(fields=["populated_at", "status"])
    log.info("edition populated edition_id=%s deliveries=%s", edition.pk, inserted)
    return inserted


def _insert(batch: list[Delivery]) -> int:
    with transaction.atomic():
        return len(Delivery.objects.bulk_create(batch, ignore_conflicts=True))


LAST_TICK_KEY = "digest:last-tick"  # when the scheduler last ran tick (the shared cache)


def editions_record_skipped(*, brand: Brand, now: dt.datetime, last_tick: dt.datetime | None) -> int:
    """Write down the editions the platform missed: one whose hour came while no tick ran (the
    last tick before it) and whose grace has now passed is stored as done and skipped, with no
    recipients, so it shows in the records and can never be sent late or twice. Without a
    known last tick (a first start, a cleared cache) nothing is recorded: a skip is only
    written when it is known to have happened."""
    if last_tick is None:
        return 0
    recorded = 0
    today = schedule.local_date(now, brand.tz)
    for date in (today - dt.timedelta(days=1), today):
        start = schedule.due_at(date, brand.tz, brand.digest_hour)
        if not (last_tick < start and start + schedule.GRACE <= now):
            continue
        if Edition.objects.filter(brand=brand, date=date).exists():
            continue
        # Its window is empty and ends where the last edition's did: the stories it would have
        # carried go to the next edition instead of being lost.
        since = content.window(brand, now)[0]
        try:
            with transaction.atomic():
                Edition.objects.create(
                    brand=brand, date=date, since=since, cutoff=since, status=Edition.Status.DONE, skipped=True,
                    subject=content.edition_subject(brand, date)[:200], stories={}, finished_at=now,
                )
        except IntegrityError:
            continue  # another scheduler recorded it (or opened it) first
        recorded += 1
        log.warning("edition skipped brand_id=%s date=%s: not running from before %s until %s", brand.pk, date,
                    start.isoformat(), (start + schedule.GRACE).isoformat())
    return recorded


def editions_tick(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Open due editions, record the ones missed while nothing ran, and resume abandoned ones
    (one scheduler beat)."""
    from django.core.cache import cache

    now = now or timezone.now()
    last_tick = cache.get(LAST_TICK_KEY)
    opened = resumed = closed = skipped = 0
    for brand in Brand.objects.filter(newsletter_promo=True):
        skipped += editions_record_skipped(brand=brand, now=now, last_tick=last_tick)
        date = schedule.due_date(now, brand.tz, brand.digest_hour)
        if date is None:
            continue
        edition, created = edition_open(brand=brand, date=date, now=now)
        if created:
            opened += 1
            _enqueue(edition.pk)
    unfinished = Edition.objects.exclude(status=Edition.Status.DONE).filter(
        Q(lease_until__isnull=True) | Q(lease_until__lt=now)
    )
    for edition in unfinished:
        if edition.created_at < now - EDITION_LIFETIME:
            edition_close_stale(edition=edition)
            closed += 1
        else:
            resumed += 1
            _enqueue(edition.pk)
    if last_tick is None or now > last_tick:
        cache.set(LAST_TICK_KEY, now, timeout=None)
    return {"opened": opened, "resumed": resumed, "closed": closed, "skipped": skipped}


def edition_close_stale(*, edition: Edition) -> None:
    """Stop an edition that could not finish in its day: what was not sent is marked failed."""
    with transaction.atomic():
        Delivery.objects.filter(edition=edition, state=Delivery.State.PENDING).update(
            state=Delivery.State.FAILED, error="edition closed before this was sent"
        )
        Delivery.objects.filter(edition=edition, state=Delivery.State.SENDING).update(
            state=Delivery.State.UNKNOWN, error="sender stopped while handing this message over"
        )
        Edition.objects.filter(pk=edition.pk).update(status=Edition.Status.DONE, finished_at=timezone.now())
    log.warning("edition closed unfinished edition_id=%s", edition.pk)

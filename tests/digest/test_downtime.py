"""An edition whose hour passed while the platform was off: sent late within the grace,
skipped and recorded after it, never twice (digest.schedule.GRACE, editions.editions_record_skipped)."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from tests.digest.helpers import brand_with_news, subscribe
from wiredesk.digest import schedule
from wiredesk.digest.models import Delivery, Edition
from wiredesk.digest.services import editions

pytestmark = pytest.mark.django_db


def hour_today(brand, now):
    return schedule.due_at(schedule.local_date(now, brand.tz), brand.tz, brand.digest_hour)


def test_off_through_the_whole_grace_the_edition_is_recorded_as_skipped_once(mail_sink, settings):
    brand = brand_with_news(newsletter_promo=True)
    subscribe(brand, "reader@example.com")
    start = hour_today(brand, timezone.now())
    editions.editions_tick(now=start - dt.timedelta(hours=1))  # running an hour before the edition...
    assert not Edition.objects.exists()
    back = start + schedule.GRACE + dt.timedelta(minutes=5)  # ...then off until past its grace
    result = editions.editions_tick(now=back)
    assert result["skipped"] == 1 and result["opened"] == 0
    edition = Edition.objects.get(brand=brand)
    assert edition.skipped and edition.status == Edition.Status.DONE and edition.date == start.date()
    assert not Delivery.objects.exists() and not mail_sink.messages
    # Never twice, never sent: later ticks and "send now" leave it as it is.
    assert editions.editions_tick(now=back + dt.timedelta(minutes=1))["skipped"] == 0
    edition_again, created = editions.edition_send_now(brand=brand, now=back + dt.timedelta(minutes=2), enqueue=False)
    assert not created and edition_again.pk == edition.pk
    assert "was skipped" in editions.edition_send_now_outcome(brand=brand, edition=edition_again, created=False)
    assert Edition.objects.count() == 1 and not Delivery.objects.exists()
    out = StringIO()
    call_command("digest", "status", stdout=out)
    assert "skipped (not running at its hour)" in out.getvalue()


def test_back_within_the_grace_the_edition_is_sent_late_not_skipped(mail_sink):
    # The brand's hour came an hour ago: the stories (stored minutes ago) are in its window.
    hour_ago = timezone.now() - dt.timedelta(hours=1)
    brand = brand_with_news(newsletter_promo=True, digest_hour=hour_ago.hour)
    subscribe(brand, "reader@example.com")
    start = schedule.due_at(hour_ago.date(), brand.tz, brand.digest_hour)
    editions.editions_tick(now=start - dt.timedelta(hours=1))
    result = editions.editions_tick(now=start + dt.timedelta(hours=2))  # two hours late: still sent
    assert result["opened"] == 1 and result["skipped"] == 0
    assert not Edition.objects.get(brand=brand).skipped


def test_nothing_is_recorded_without_knowing_the_platform_was_off(mail_sink):
    # First start ever (no last tick known), long after the hour: no edition, and no record
    # claiming one was missed.
    brand = brand_with_news(newsletter_promo=True)
    start = hour_today(brand, timezone.now())
    assert editions.editions_tick(now=start + schedule.GRACE + dt.timedelta(hours=1))["skipped"] == 0
    assert not Edition.objects.exists()
    # Running at the hour (a tick just after it, which opens the edition or finds nothing new
    # to send): nothing is recorded as skipped later either.
    from django.core.cache import cache

    cache.delete(editions.LAST_TICK_KEY)
    editions.editions_tick(now=start - dt.timedelta(minutes=1))
    editions.editions_tick(now=start + dt.timedelta(minutes=1))
    assert editions.editions_tick(now=start + schedule.GRACE + dt.timedelta(hours=2))["skipped"] == 0
    assert not Edition.objects.filter(skipped=True).exists()


def test_the_stories_a_skipped_edition_would_have_carried_go_to_the_next_one(mail_sink):
    brand = brand_with_news(newsletter_promo=True)
    subscribe(brand, "reader@example.com")
    start = hour_today(brand, timezone.now())
    editions.editions_tick(now=start - dt.timedelta(hours=1))
    back = start + schedule.GRACE + dt.timedelta(minutes=5)
    editions.editions_tick(now=back)
    skipped = Edition.objects.get(brand=brand, skipped=True)
    # Its window is empty and ends where the edition it stands for would have begun (no
    # edition before it: a day back), so the next edition's window starts there too.
    assert skipped.since == skipped.cutoff == back - editions.content.FIRST_WINDOW
    assert editions.content.window(brand, back + dt.timedelta(days=1))[0] == skipped.cutoff


def test_a_missed_edition_is_recorded_even_when_the_next_one_is_already_due(mail_sink):
    brand = brand_with_news(newsletter_promo=True)
    start = hour_today(brand, timezone.now())
    yesterday = start - dt.timedelta(days=1)
    editions.editions_tick(now=yesterday - dt.timedelta(hours=1))  # running before yesterday's hour, then off
    editions.editions_tick(now=start + dt.timedelta(minutes=10))  # back inside today's grace
    assert Edition.objects.get(brand=brand, date=yesterday.date()).skipped

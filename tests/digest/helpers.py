"""Brands with stories and subscribers for the daily-email tests, through the real pipeline."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from tests.web.factories import make_brand, make_source, store
from wiredesk.digest.models import Subscriber


def brand_with_news(name="Harbour Telegraph", host="harbour.test", *, time_zone="UTC", sections=None, per_section=3, **fields):
    source = make_source("Harbour Wire")
    brand = make_brand(name, [host], time_zone=time_zone, sources=[source], **fields)
    now = timezone.now()
    for section in sections or ("world", "business", "sports"):
        for n in range(per_section):
            store(source, f"{section.title()} story number {n + 1} about the harbour", section=section,
                  published=now - dt.timedelta(minutes=10 + n))
    return brand


def subscribe(brand, email, *, sections=("world", "business"), status=Subscriber.Status.CONFIRMED, confirmed_ago=3600):
    confirmed = status == Subscriber.Status.CONFIRMED
    return Subscriber.objects.create(
        brand=brand, email=email, sections=list(sections), status=status,
        confirmed_at=timezone.now() - dt.timedelta(seconds=confirmed_ago) if confirmed else None,
    )

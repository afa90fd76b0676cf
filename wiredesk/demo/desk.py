"""The demo's desk: what an editor would have done by the time a newcomer opens the admin.

Once the demo wires have filled the Harbour Telegraph with stories covered by several wires,
``demo_desk`` pins the newest of them on its front and publishes one correction, both through
the actions an editor's clicks call (a Pin row, stories.services.revisions.article_correct).
``demo_health_history`` gives each demo wire a made-up month of polling figures, so the source
health page has 30 days to draw from the first minute; it touches demo wires only, and only
days without real figures.
"""

from __future__ import annotations

import datetime as dt
import hashlib

from django.db import transaction

from wiredesk.brands.models import Brand
from wiredesk.core.generation import content_changed
from wiredesk.search.services import search_index_update
from wiredesk.sources.models import Source, SourceDay
from wiredesk.stories.models import Article, Pin
from wiredesk.stories.services.revisions import article_correct

DEMO_EDITOR = "demo editor"
DEMO_HOST = "harbour.localhost"
CORRECTION_NOTE = ("An earlier version of this report gave the wrong day for the harbour board's next "
                   "meeting; it meets on Thursday.")


def _brand() -> Brand | None:
    return next((b for b in Brand.objects.all() if DEMO_HOST in (b.hosts or [])), None)


def demo_desk(*, now: dt.datetime) -> list[str] | None:
    """Pin one story and correct one article on the demo brand, once: what was done; None when
    it was done before (or there is no demo brand), [] when the wires have not yet brought a
    story to pin."""
    brand = _brand()
    if brand is None:
        return None
    if Pin.objects.filter(brand=brand, by=DEMO_EDITOR).exists() and \
            Article.objects.filter(revisions__by=DEMO_EDITOR).exists():
        return None
    carried = Article.objects.filter(source__in=brand.sources.all(), withdrawn_at__isnull=True,
                                     duplicate_of__isnull=True)
    done = []
    with transaction.atomic():
        if not Pin.objects.filter(brand=brand, by=DEMO_EDITOR).exists():
            lead = carried.filter(story__size__gte=2).order_by("-published_at").first()
            if lead is None:
                return []
            Pin.objects.create(brand=brand, article=lead, section=lead.section, in_email=True,
                               until=now + dt.timedelta(days=7), by=DEMO_EDITOR)
            done.append(f"pinned on {brand.name}'s {lead.section} list: {lead.title}")
        if not Article.objects.filter(revisions__by=DEMO_EDITOR).exists():
            target = carried.exclude(pins__brand=brand).filter(corrected_at__isnull=True).order_by("published_at").first()
            if target is not None:
                article_correct(article=target, title=target.title, body_html=target.body_html,
                                note=CORRECTION_NOTE, by=DEMO_EDITOR, at=now)
                search_index_update(article_ids=[target.id])
                done.append(f"corrected: {target.title}")
    if done:
        content_changed()
    return done


def _unit(*parts) -> float:
    digest = hashlib.sha256(":".join(str(p) for p in parts).encode()).digest()
    return int.from_bytes(digest[:4], "big") / 2**32


def demo_health_history(*, sources: list[Source], today: dt.date, days: int = 30) -> int:
    """A made-up month of daily figures for the demo wires (rows for days before today that
    have none): a weekday rhythm, every answer timed, and one wire with a three-day outage."""
    made = 0
    for source in sources:
        have = set(SourceDay.objects.filter(source=source).values_list("day", flat=True))
        rows = []
        for back in range(days - 1, 0, -1):
            day = today - dt.timedelta(days=back)
            if day in have:
                continue
            weekend = day.weekday() >= 5
            checks = 2880  # every 30 s, as `make run` polls
            outage = source.name.lower().startswith("valley") and back in (9, 10, 11)
            errors = int(checks * (0.6 + 0.3 * _unit(source.id, day, "e"))) if outage else int(3 * _unit(source.id, day))
            new = 0 if outage else int((12 if weekend else 30) * (0.7 + 0.6 * _unit(source.id, day, "n")))
            seconds = 0.04 + 0.25 * _unit(source.id, day, "s") + (0.4 if back in (20, 21) else 0.0)
            timed = checks - errors
            rows.append(SourceDay(source=source, day=day, checks=checks, errors=errors, new_items=new,
                                  not_modified=max(0, timed - 200), timed=timed, seconds_total=seconds * timed,
                                  seconds_max=seconds * 3))
        SourceDay.objects.bulk_create(rows, ignore_conflicts=True)
        made += len(rows)
    return made

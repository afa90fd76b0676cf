"""What one edition of the daily email holds: its time window, its stories and its subject.

Stories are chosen like the brand's fronts choose them (newest and most local first, heavier
sources moved up), from those first seen since the previous edition's cutoff, so a story
reaches a reader in one edition and not in two.
"""

from __future__ import annotations

import datetime as dt
import re

from django.db.models import Exists, OuterRef, Q

from wiredesk.digest.models import Edition
from wiredesk.stories.places import front_section
from wiredesk.stories.selectors import articles_carried, pinned, preferred_members
from wiredesk.stories.ranking import brand_emphasis, ranked

FIRST_WINDOW = dt.timedelta(hours=24)
# A story first seen today but published long ago (a backfilled feed, a source added late)
# is not news: it never leads an edition.
MAX_AGE = dt.timedelta(hours=36)
SUBJECT_MAX = 200  # Edition.subject
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
# Control characters (CR and LF among them) and the Unicode line and paragraph separators.
_BREAKS = re.compile(r"[\x00-\x1f\x7f\u0085\u2028\u2029]+")
# The fields story_score reads: the rest of a row (the body above all) stays in the database.
_RANK_FIELDS = ("id", "section", "source_id", "published_at", "place_slug", "story_id")


def window(brand, now: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """The instants (since, cutoff] whose first-seen stories the next edition of ``brand`` takes."""
    previous = (
        Edition.objects.filter(brand=brand).order_by("-date", "-id").values_list("cutoff", flat=True).first()
    )
    return (previous if previous is not None else now - FIRST_WINDOW), now


def select_stories(brand, *, since: dt.datetime, cutoff: dt.datetime, per_section: int) -> dict[str, list[int]]:
    """The top ``per_section`` article ids of each of the brand's sections, in the brand's order.

    Sections without a new story are left out; ``{}`` means nothing is new. A story is in one
    section, as on the front ("local" for the home place's stories when the brand shows it).
    Two queries whatever the number of stories: the brand's sources (with their weights) and
    the candidates.
    """
    sections = brand.section_list
    if per_section <= 0 or not sections or since >= cutoff:
        return {}
    # One entry per story, as on the front: the member the brand prefers among those stored
    # by the cutoff; and a story one of whose members an earlier edition could take is not
    # sent again when more coverage of it arrives.
    in_reach = Q(first_seen_at__lte=cutoff, published_at__gte=cutoff - MAX_AGE)
    sent_before = Exists(articles_carried(brand=brand).prefetch_related(None).order_by()
                         .filter(story_id=OuterRef("story_id"), first_seen_at__lte=since))
    candidates = list(
        preferred_members(qs=articles_carried(brand=brand), brand=brand, among=in_reach)
        .filter(
            first_seen_at__gt=since,
            first_seen_at__lte=cutoff,
            published_at__gte=cutoff - MAX_AGE,
        )
        .filter(Q(story_id__isnull=True) | ~sent_before)
        .prefetch_related(None)
        .only(*_RANK_FIELDS)
        .order_by()
    )
    # The editors' picks (pins chosen for the email, live at the cutoff) lead their sections,
    # whenever they were stored; their stories are not listed a second time.
    picks: dict[str, list[int]] = {}
    taken: set[int] = set()
    taken_stories: set[int] = set()
    # A pick leads one edition: the first one cut off after it was made.
    for section, article in pinned(brand=brand, now=cutoff, in_email=True, since=since):
        if article.id not in taken and (article.story_id is None or article.story_id not in taken_stories):
            picks.setdefault(section, []).append(article.id)
            taken.add(article.id)
            if article.story_id is not None:
                taken_stories.add(article.story_id)
    if not candidates and not picks:
        return {}
    emphasis = brand_emphasis(brand)
    by_section: dict[str, list] = {}
    for article in candidates:
        if article.id in taken or (article.story_id is not None and article.story_id in taken_stories):
            continue
        by_section.setdefault(front_section(article, brand, emphasis.home), []).append(article)
    chosen: dict[str, list[int]] = {}
    for section in sections:
        best = ranked(by_section.get(section, ()), emphasis)  # the id breaks ties: the same edition
        ids = picks.get(section, []) + [a.id for a in best]
        if ids:
            chosen[section] = ids[:max(per_section, len(picks.get(section, [])))]
    return chosen


def editors_picks(brand, now: dt.datetime) -> set[int]:
    """The ids of the articles editors picked to lead the brand's next edition."""
    since, _ = window(brand, now)
    return {article.id for _, article in pinned(brand=brand, now=now, in_email=True, since=since)}


def edition_subject(brand, date: dt.date) -> str:
    """``Harbour Herald daily: 29 Nov 2026`` on one line (a header cannot be split by a brand name)."""
    suffix = f" daily: {date.day} {_MONTHS[date.month - 1]} {date.year}"
    name = " ".join(_BREAKS.sub(" ", brand.name).split()) or "News"
    return name[: SUBJECT_MAX - len(suffix)].rstrip() + suffix

"""Fronts and lists: home, section, source and place pages (the dated archive is in archive.py)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from wiredesk.core.sections import SECTION_NAMES
from wiredesk.stories.selectors import (
    LIST_DEFERRED, articles_in_section, articles_of, articles_recent, carried_sources, pinned,
)
from wiredesk.web.paging import page_number
from wiredesk.web.caching import cached_page
from wiredesk.stories.ranking import rank_front

PER_PAGE = 20
MAX_PAGE = 500  # deeper pages cost a scan of all the stories before them; the archive has them
FRONT_WINDOW = dt.timedelta(days=14)
FRONT_LIMIT = 400
FRONT_QUIET = 12  # fewer recent stories than this: a quiet site shows its latest, however old


@dataclass
class ListPage:
    """One page of a list, newest first, without counting the whole list.

    A total ("page 3 of 1,250") means counting every story of a section or source on each
    render: 70 ms for 25,000 stories, where reading the page itself takes well under one. The
    pager links the newer and the older page, as news sites do.
    """

    number: int
    object_list: list
    has_next: bool

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_other_pages(self) -> bool:
        return self.has_previous or self.has_next

    @property
    def previous_page_number(self) -> int:
        return self.number - 1

    @property
    def next_page_number(self) -> int:
        return self.number + 1


def list_page(request, qs, *, title: str, kind: str, extra: dict | None = None, empty_is_missing: bool = False,
              lead: list = ()):
    """Render one page of a list of teasers, newest first (404 past its end, and on an empty
    list when ``empty_is_missing``); ``lead`` (pinned articles, not in ``qs``) come first."""
    number = page_number(request.GET.get("page"))
    if number > MAX_PAGE:
        raise Http404("Lists go back %d pages; the archive by date goes further." % MAX_PAGE)
    start = (number - 1) * PER_PAGE
    lead = list(lead)
    shown = lead[start : start + PER_PAGE + 1]  # the list is the lead, then qs
    skip = max(0, start - len(lead))
    rows = shown + list(qs.defer(*LIST_DEFERRED).order_by("-published_at", "-id")[skip : skip + PER_PAGE + 1 - len(shown)])
    if not rows and (number > 1 or empty_is_missing):
        raise Http404("This list has no page %d." % number)
    page = ListPage(number=number, object_list=rows[:PER_PAGE], has_next=len(rows) > PER_PAGE)
    context = {"title": title, "kind": kind, "page": page, "articles": page.object_list, **(extra or {})}
    response = render(request, "web/list.html", context)
    if context["articles"]:
        response.last_modified_ts = max(a.changed_at for a in context["articles"]).timestamp()
    return response


@cached_page
def home(request):
    brand = request.brand
    now = timezone.now()
    # One query whatever the site's size or age: the newest stories, then the recent window
    # in Python (the window is a prefix of the newest, so the result is the same as asking
    # for the window first and falling back to the newest on a quiet site).
    newest = articles_recent(brand=brand, limit=FRONT_LIMIT)
    candidates = [a for a in newest if a.published_at >= now - FRONT_WINDOW]
    if len(candidates) < FRONT_QUIET:
        candidates = newest
    blocks = rank_front(candidates, brand=brand, now=now, per_section=5, pinned=pinned(brand=brand, now=now))
    response = render(request, "web/home.html", {"blocks": blocks})
    if candidates:
        response.last_modified_ts = max(a.changed_at for a in candidates).timestamp()
    return response


@cached_page
def section(request, section: str):
    if section not in request.brand.section_list:
        raise Http404("This site has no such section.")
    qs = articles_in_section(brand=request.brand, section=section)
    # An editor's pins lead the list (their stories are not listed again below them).
    lead = [a for _, a in pinned(brand=request.brand, now=timezone.now(), section=section)]
    if lead:
        stories = [a.story_id for a in lead if a.story_id is not None]
        qs = qs.exclude(id__in=[a.id for a in lead]).exclude(story_id__in=stories)
    return list_page(request, qs, title=SECTION_NAMES.get(section, section.title()), kind="section",
                      extra={"section": section}, lead=lead)


@cached_page
def source(request, source_id: int):
    src = get_object_or_404(carried_sources(brand=request.brand), id=source_id)
    # The source's own reports, one per story: its member of a story another source's copy
    # stands for elsewhere is still listed under its own name.
    qs = articles_of(brand=request.brand, among=Q(source_id=src.id))
    return list_page(request, qs, title=f"From {src.credit}", kind="source", extra={"source": src})


@cached_page
def place(request, place: str):
    # Datelines are stored as written ("ST. MORITZ") beside the slug their page answers to.
    qs = articles_of(brand=request.brand, among=Q(place_slug=place))
    name = qs.prefetch_related(None).order_by("-published_at", "-id").values_list("dateline_place", flat=True).first()
    if name is None:
        raise Http404("No stories from that place.")
    return list_page(request, qs, title=name.title(), kind="place", extra={"place": name})

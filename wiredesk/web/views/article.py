"""The article page, in the order of the reference anatomy."""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone

from wiredesk.core.generation import content_generation
from wiredesk.sources.models import Source
from wiredesk.stories.models import Article
from wiredesk.stories.places import home_place_slugs, sections_of
from wiredesk.stories.models import Story
from wiredesk.stories.selectors import (
    brand_carries, brand_copies, pinned, preferred_member, rail_candidates, related_candidates, story_coverage,
)
from wiredesk.web.caching import cached_page
from wiredesk.stories.ranking import pick_related, rank_rail
from wiredesk.web.teasers import rail_teasers


def article_url(article: Article) -> str:
    return article_url_of(article.id, article.slug)


def article_url_of(article_id: int, slug: str) -> str:
    return reverse("article", args=[article_id, slug])


def _briefly(request, key: str, compute):
    """A part of the page remembered for RAIL_CACHE_SECONDS under the current content
    generation: it changes only when stories land. The generation is the one cached_page read
    for this request, when it did."""
    generation = getattr(request, "content_generation", None) or content_generation()
    return cache.get_or_set(f"{key}:{generation}", compute, settings.RAIL_CACHE_SECONDS)


def _rail(request, article: Article) -> list[dict]:
    # Built from what is recent when the page is asked for, not frozen into the article: the
    # brand's own stories (its sources, its sections) that share no section with this one,
    # ranked with its home place and source weights. The same for every story of the same
    # sections of the brand (a home-place story is also in its local section).
    brand = request.brand
    sections = ",".join(sections_of(article, brand, home_place_slugs(brand)))
    key = f"rail:{brand.id}:{sections}"
    pins = pinned(brand=brand, now=timezone.now())  # an editor's pins lead the rail
    teasers = _briefly(request, key, lambda: rail_teasers(rank_rail(rail_candidates(brand=brand, article=article),
                                                                    brand=brand, pinned=pins)))
    if not any(t["id"] == article.id or (article.story_id is not None and t["story"] == article.story_id)
               for t in teasers):
        return teasers
    # The article's story reaches the rail through a member filed in another section (or it
    # is pinned itself): that story's pages get a rail of their own without it.
    def mine(a) -> bool:
        return a.id == article.id or (article.story_id is not None and a.story_id == article.story_id)

    return _briefly(request, f"{key}:story-{article.story_id or 'a' + str(article.id)}", lambda: rail_teasers(rank_rail(
        [a for a in rail_candidates(brand=brand, article=article) if not mine(a)], brand=brand,
        pinned=[(s, a) for s, a in pins if not mine(a)])))


def _coverage(request, item: Article) -> list[dict]:
    """The other members of the article's story that the brand carries, oldest first: the
    "Also reported by" list (plain data, cached like the rail)."""
    if item.story_id is None:
        return []

    def read() -> list[dict]:
        return [
            {"id": a.id, "text": a.duplicate_of_id or a.id, "credit": a.source.credit, "title": a.title,
             "published_at": a.published_at, "url": article_url(a)}
            for a in story_coverage(brand=request.brand, story_id=item.story_id)
        ]

    members = _briefly(request, f"coverage:{request.brand.id}:{item.story_id}", read)
    mine = item.duplicate_of_id or item.id  # the article's own text, in whichever copy
    return [m for m in members if m["text"] != mine]


def _canonical(request, item: Article) -> str:
    return (item.canonical_url if item.source.canonical_to_original and item.canonical_url else
            request.build_absolute_uri(article_url(item)))


def is_release(article: Article) -> bool:
    """A news release submitted to the brand (its source is the brand's releases source)."""
    return article.source.kind == Source.Kind.RELEASES


def page_context(item: Article, *, related: list, rail: list, canonical: str, section: str | None = None) -> dict:
    """What web/article.html needs (the moderator's preview of a release builds it too).

    ``section`` is the brand's section the page links: the story's own, or "local" when the
    brand shows its home place's stories but not the story's own section.
    """
    if is_release(item):
        # Labelled and credited to the organisation instead of a wire's credit line.
        closing = f"News release from {item.author}" if item.author else "News release"
    else:
        tag = item.credit_tag or item.source.credit
        closing = item.source.closing_credit or f"({tag})"
    return {
        "a": item, "related": related, "closing_credit": closing, "rail": rail, "canonical": canonical,
        "is_release": is_release(item), "shown_section": item.section if section is None else section,
        # "Updated" once a later version replaced the first one stored (a correction says more).
        "modified": item.revised_at,
    }


def _related(request, item: Article) -> list[dict]:
    """The READ MORE link: the source's own (to the brand's copy of that story when it shows
    one), else one chosen from the section's recent stories."""
    if item.related:
        def own() -> list[dict]:
            copies = brand_copies(brand=request.brand, urls=[r.get("url", "") for r in item.related])
            return [
                {"title": r.get("title", ""), "url": article_url_of(*copies[r["url"]]), "internal": True}
                if r.get("url") in copies else r
                for r in item.related
            ]

        return _briefly(request, f"read-more:{request.brand.id}:{item.id}", own)

    def choose() -> list[dict]:
        chosen = pick_related(item, related_candidates(brand=request.brand, article=item))
        return [{"title": chosen.title, "url": article_url(chosen), "internal": True}] if chosen else []

    return _briefly(request, f"related:{request.brand.id}:{item.id}", choose)


def _withdrawn(request, when):
    """An editor killed it: 410 Gone, with the brand's page saying so (the reason stays in the
    admin: it may be a legal matter)."""
    response = render(request, "web/withdrawn.html", {"withdrawn_at": when}, status=410)
    response["Cache-Control"] = "no-cache"
    return response


@cached_page
def article(request, article_id: int, slug: str):
    brand = request.brand
    item = get_object_or_404(Article.objects.select_related("source"), id=article_id)
    if item.withdrawn_at is not None:
        # Gone, on the brands that carried it; elsewhere it never was (no date to give away).
        if not brand_carries(brand=brand, article=item, withdrawn_too=True):
            raise Http404("This site does not carry that story.")
        return _withdrawn(request, item.withdrawn_at)
    # Duplicates are few: their original is read only for them.
    if item.duplicate_of_id and item.story_id is not None:
        # A copy of a text the brand shows in another copy (a reissue, the same agency story
        # through another wire): the reader is sent to the copy shown, for now (which copy is
        # shown may change as copies arrive, so the redirect is not permanent).
        shown = preferred_member(brand=brand, article=item)
        if shown.id != item.id and (shown.duplicate_of_id or shown.id) == item.duplicate_of_id:
            return redirect(article_url(shown))
    # A duplicate outside any story: its original, where the brand carries it.
    original = (Article.objects.select_related("source").filter(id=item.duplicate_of_id).first()
                if item.duplicate_of_id and item.story_id is None else None)
    if original is not None and brand_carries(brand=brand, article=original):
        return redirect(article_url(original), permanent=True)
    # A duplicate whose original this brand does not carry is shown itself, if carried.
    if not brand_carries(brand=brand, article=item):
        raise Http404("This site does not carry that story.")
    if slug != item.slug:
        return redirect(article_url(item), permanent=True)
    # Another member of the story is the one the brand's lists show: this copy still answers
    # at its own address (links to it keep working, its provenance stays visible) and names
    # the shown one as canonical, so search engines index the event once.
    canonical = _canonical(request, preferred_member(brand=brand, article=item))
    shown = sections_of(item, brand, home_place_slugs(brand))  # not empty: brand_carries said so
    context = page_context(item, related=_related(request, item), rail=_rail(request, item), canonical=canonical,
                           section=shown[0])
    context["coverage"] = _coverage(request, item)
    response = render(request, "web/article.html", context)
    response.last_modified_ts = item.changed_at.timestamp()
    return response


@cached_page
def story(request, story_id: int):
    """Every member of a story the brand carries, in time order: the event's whole coverage."""
    found = get_object_or_404(Story, id=story_id)
    seen = {found.id}
    while found.merged_into_id is not None and found.merged_into_id not in seen:  # merged: the story it joined
        seen.add(found.merged_into_id)
        found = Story.objects.get(id=found.merged_into_id)
    if found.id != story_id:
        return redirect("story", found.id, permanent=True)
    members = story_coverage(brand=request.brand, story_id=found.id)
    if not members:
        killed = Article.objects.filter(story_id=found.id).exclude(withdrawn_at=None).order_by("-withdrawn_at").first()
        if killed is not None and not Article.objects.filter(story_id=found.id, withdrawn_at=None).exists():
            return _withdrawn(request, killed.withdrawn_at)  # the whole story was killed
        raise Http404("This site carries no coverage of that story.")
    shown = preferred_member(brand=request.brand, article=members[0])
    response = render(request, "web/story.html", {
        "story": found, "shown": shown, "articles": members,
        "canonical": request.build_absolute_uri(reverse("story", args=[found.id])),
    })
    response.last_modified_ts = max(a.changed_at for a in members).timestamp()
    return response

"""The article page, in the order of the reference anatomy."""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from wiredesk.core.generation import content_generation
from wiredesk.sources.models import Source
from wiredesk.stories.models import Article
from wiredesk.stories.places import home_place_slugs, sections_of
from wiredesk.stories.selectors import brand_carries, brand_copies, rail_candidates, related_candidates
from wiredesk.web.caching import cached_page
from wiredesk.web.ranking import pick_related, rank_rail
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
    return _briefly(request, f"rail:{brand.id}:{sections}",
                    lambda: rail_teasers(rank_rail(rail_candidates(brand=brand, article=article), brand=brand)))


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


@cached_page
def article(request, article_id: int, slug: str):
    brand = request.brand
    item = get_object_or_404(Article.objects.select_related("source"), id=article_id)
    # Duplicates are few: their original is read only for them.
    original = (Article.objects.select_related("source").filter(id=item.duplicate_of_id).first()
                if item.duplicate_of_id else None)
    if original is not None and brand_carries(brand=brand, article=original):
        return redirect(article_url(original), permanent=True)
    # A duplicate whose original this brand does not carry is shown itself, if carried.
    if not brand_carries(brand=brand, article=item):
        raise Http404("This site does not carry that story.")
    if slug != item.slug:
        return redirect(article_url(item), permanent=True)
    canonical = (item.canonical_url if item.source.canonical_to_original and item.canonical_url else
                 request.build_absolute_uri(article_url(item)))
    shown = sections_of(item, brand, home_place_slugs(brand))  # not empty: brand_carries said so
    context = page_context(item, related=_related(request, item), rail=_rail(request, item), canonical=canonical,
                           section=shown[0])
    response = render(request, "web/article.html", context)
    response.last_modified_ts = item.changed_at.timestamp()
    return response

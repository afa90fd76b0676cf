"""Every URL pattern of the project, reversed with a real object, for the tests that walk them all.

``every_path`` names a path and the statuses a GET may answer for each named pattern outside
the admin; ``admin_paths`` does the same for the admin's patterns (a staff user's GETs).
``named_patterns`` lists what the urlconf holds, so a pattern added later without an entry
here fails the crawl test instead of going unvisited.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, reverse

from wiredesk.digest.tokens import make_token as digest_token
from wiredesk.releases.tokens import make_token as release_token

OK = frozenset({200})
GONE = frozenset({404})


def _walk(patterns, namespace: str | None = None):
    for p in patterns:
        if isinstance(p, URLResolver):
            yield from _walk(p.url_patterns, p.namespace or namespace)
        elif isinstance(p, URLPattern) and p.name:
            yield (f"{namespace}:{p.name}" if namespace else p.name), p


def named_patterns() -> set[str]:
    """Every named URL pattern of the project."""
    return {name for name, _ in _walk(get_resolver().url_patterns)}


@dataclass
class Site:
    """The real objects the patterns are reversed with."""

    article: object  # a visible article of the brand
    place_slug: str
    day: dt.date  # a day in the brand's zone with a story
    subscriber: object  # a subscriber of the brand
    submission: object  # a news release sent to the brand
    image_name: str  # a published release's image
    story_id: int  # a story the brand carries two members of, the article among them


def every_path(site: Site) -> dict[str, tuple[str, frozenset[int]]]:
    """name -> (path, statuses a GET may answer) for every pattern outside the admin."""
    a = site.article
    key = site.subscriber.key
    paths = {
        "home": ("/", OK),
        "section": (reverse("section", args=[a.section]), OK),
        "source": (reverse("source", args=[a.source_id]), OK),
        "place": (reverse("place", args=[site.place_slug]), OK),
        "archive": (reverse("archive"), OK),
        "archive-month": (reverse("archive-month", args=[site.day.year, site.day.month]), OK),
        "archive-day": (reverse("archive-day", args=[site.day.year, site.day.month, site.day.day]), OK),
        "article": (reverse("article", args=[a.id, a.slug]), OK),
        "story": (reverse("story", args=[site.story_id]), OK),
        "search": (reverse("search") + "?q=" + a.title.split()[0], OK),
        "brand-css": (reverse("brand-css"), OK),
        "feed-rss": (reverse("feed-rss"), OK),
        "feed-atom": (reverse("feed-atom"), OK),
        "feed-json": (reverse("feed-json"), OK),
        "section-feed-rss": (reverse("section-feed-rss", args=[a.section]), OK),
        "section-feed-atom": (reverse("section-feed-atom", args=[a.section]), OK),
        "section-feed-json": (reverse("section-feed-json", args=[a.section]), OK),
        "sitemap": (reverse("sitemap"), OK),
        "news-sitemap": (reverse("news-sitemap"), OK),
        "robots": (reverse("robots"), OK),
        "newsletter": (reverse("newsletter"), OK),
        # Links from email: a GET shows the page with the button (the change is a POST).
        "newsletter-confirm": (reverse("newsletter-confirm", args=[digest_token("confirm", key)]), OK),
        "newsletter-unsubscribe": (reverse("newsletter-unsubscribe", args=[digest_token("unsubscribe", key)]), OK),
        "newsletter-preferences": (reverse("newsletter-preferences", args=[digest_token("preferences", key)]), OK),
        # Staff only: an anonymous reader is sent to the admin's login.
        "newsletter-preview": (reverse("newsletter-preview"), frozenset({302})),
        "runtime_health": (reverse("runtime_health"), frozenset({302})),
        "releases": (reverse("releases"), OK),
        "release-verify": (reverse("release-verify", args=[release_token("verify", site.submission.key)]), OK),
        "release-status": (reverse("release-status", args=[release_token("status", site.submission.key)]), OK),
        "release-image": (reverse("release-image", args=[site.image_name]), OK),
    }
    # The mail provider webhooks answer 404 until a shared secret is configured.
    for name in named_patterns():
        if name.startswith("anymail:"):
            try:
                path = reverse(name)
            except NoReverseMatch:  # anymail's one regex route (inbound or inbound_mime)
                path = "/anymail/" + name.split(":", 1)[1].split("_")[0] + "/inbound/"
            paths[name] = (path, GONE)
    return paths


def admin_paths() -> dict[str, list[str]]:
    """admin pattern name -> the paths a staff user GETs for it (objects that exist, and one that does not)."""
    out: dict[str, list[str]] = {}
    for name, pattern in sorted(_walk(get_resolver().url_patterns), key=lambda np: np[0]):
        if not name.startswith("admin:"):
            continue
        groups = set(pattern.pattern.regex.groupindex)
        if not groups:
            out[name] = [reverse(name)]
        elif groups == {"app_label"}:
            out[name] = [reverse(name, args=[label]) for label in sorted({m._meta.app_label for m in admin.site._registry})]
        elif groups == {"content_type_id", "object_id"}:
            out[name] = _view_on_site_paths()
        elif len(groups) == 1 and groups <= {"object_id", "id"} and _model_of(name.split(":", 1)[1]) is not None:
            first = _model_of(name.split(":", 1)[1])._default_manager.order_by("pk").first()
            out[name] = [reverse(name, args=[pk]) for pk in [*([first.pk] if first else []), 987654]]
        elif name == "admin:stories_story_split":  # a story and one of its members (a GET only asks to confirm)
            from wiredesk.stories.models import Article

            member = Article.objects.exclude(story=None).order_by("pk").first()
            out[name] = [reverse(name, args=[member.story_id, member.pk])] if member else []
            out[name].append(reverse(name, args=[987654, 987654]))
        elif name in ("admin:digest_edition_next", "admin:digest_edition_next_html"):  # a brand's next edition
            from wiredesk.brands.models import Brand

            first = Brand.objects.order_by("pk").first()
            out[name] = [reverse(name, args=[pk]) for pk in [*([first.pk] if first else []), 987654]]
        elif name in ("admin:desk_kill", "admin:desk_unkill", "admin:desk_kill_story", "admin:desk_correct",
                      "admin:desk_history", "admin:desk_accept"):  # a GET only asks to confirm, or shows (accept: sends back)
            from wiredesk.stories.models import Article, Story

            model = Story if groups == {"story_id"} else Article
            first = model.objects.order_by("pk").first()
            out[name] = [reverse(name, args=[pk]) for pk in [*([first.pk] if first else []), 987654]]
        else:
            raise AssertionError(f"no real object to reverse {name} with: {sorted(groups)}")
    return out


def _model_of(short: str):
    for model in admin.site._registry:
        if short.startswith(f"{model._meta.app_label}_{model._meta.model_name}_"):
            return model
    return None


def _view_on_site_paths() -> list[str]:
    paths = []
    for model in admin.site._registry:
        first = model._default_manager.order_by("pk").first()
        if first is not None and hasattr(first, "get_absolute_url"):
            paths.append(reverse("admin:view_on_site", args=[ContentType.objects.get_for_model(model).id, first.pk]))
    return paths or [reverse("admin:view_on_site", args=[ContentType.objects.first().id, 987654])]

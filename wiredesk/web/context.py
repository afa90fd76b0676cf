"""Template context shared by every page: the brand, its section navigation and the site's fixed links."""

import functools

from django.urls import reverse

from wiredesk.core.sections import SECTION_NAMES


@functools.cache
def _site_urls() -> dict[str, str]:
    """The links every page's masthead and footer carry: the URL conf is fixed while a process
    runs, so they are reversed once instead of a dozen times per page."""
    names = ("home", "search", "archive", "brand-css", "feed-rss", "feed-atom", "feed-json", "newsletter", "releases")
    return {name.replace("-", "_"): reverse(name) for name in names}


@functools.cache
def _section_url(section: str) -> str:
    return reverse("section", args=[section])


def site(request) -> dict:
    brand = getattr(request, "brand", None)
    return {} if brand is None else brand_context(brand)


def brand_context(brand) -> dict:
    """What web/base.html needs of a brand (the release preview in the admin uses it too)."""
    return {
        "brand": brand,
        "urls": _site_urls(),
        "nav_sections": [(s, SECTION_NAMES.get(s, s.title()), _section_url(s)) for s in brand.section_list],
    }

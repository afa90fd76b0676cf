"""Whole-page caching per brand and path, conditional GET, and headers for a CDN in front.

Only anonymous GET/HEAD responses with status 200 are cached, and cached pages carry no
per-user state (no CSRF tokens, no session): forms that change state live on uncached pages.

Pages are keyed on scheme, host and path (a page holds absolute URLs such as its canonical
link, so a brand served on two host names or over http and https keeps one copy per origin).
Last-Modified is when the page's bytes last changed, not when its main story did: an
article page also shows the rail and a READ MORE choice, which change without the article.
"""

from __future__ import annotations

import functools
import hashlib
import time
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import cache, caches
from django.http import HttpResponse, HttpResponseNotModified
from django.utils.http import http_date, parse_http_date_safe, quote_etag

from wiredesk.core.generation import content_generation


def _cache_control() -> str:
    c = settings.PAGE_CACHE
    return f"public, max-age={c['max_age']}, s-maxage={c['s_maxage']}, stale-while-revalidate={c['swr']}"


# The header by which a cacheable page tells the page front (wiredesk/web/front.py) which
# content generation it was rendered for and when its bytes last changed ("<generation>
# <seconds>"); the front removes it before the response leaves.
FRONT_HEADER = "X-Wiredesk-Page"


def dated_headers(last_modified: int | None, *, now: float) -> dict[str, str]:
    """Date, and Last-Modified never later than it (RFC 9110 section 8.8.2.1).

    ``last_modified`` is the page's change record, which can be a second ahead of the clock
    (a page changed twice within one second) or later than it (a row stamped in the future);
    the header says the Date instead. 304 decisions keep comparing with the record, so a
    client holding the earlier bytes of that second still gets the new ones.
    """
    date = int(now)
    headers = {"Date": http_date(date)}
    if last_modified is not None:
        headers["Last-Modified"] = http_date(min(last_modified, date))
    return headers


def not_modified(if_none_match: str | None, if_modified_since: str | None, etag: str, last_modified: int) -> bool:
    """Whether a conditional GET with these header values may be answered 304."""
    if if_none_match is not None:
        tags = [t.strip() for t in if_none_match.split(",")]
        return "*" in tags or etag in tags or f"W/{etag}" in tags
    ims = parse_http_date_safe(if_modified_since or "")
    return ims is not None and last_modified <= ims


RENDITION_TTL = 7 * 24 * 3600


def _changed_at(page: str, etag: str, floor: int, *, ttl: int = RENDITION_TTL) -> int:
    """When this page's bytes last changed (seconds): kept while new renders give the same bytes.

    Never earlier than a change a client could have seen, so If-Modified-Since can't answer
    304 for a page that differs from the client's copy: when the record is missing it is now,
    and a changed page always moves it forward, even within the same second.
    """
    seen_key = f"page-changed:{page}"
    seen = cache.get(seen_key)
    if seen and seen[0] == etag:
        return max(seen[1], floor)
    changed = max(int(time.time()), (seen[1] + 1) if seen else 0, floor)
    cache.set(seen_key, (etag, changed), ttl)
    return changed


# Query parameters that change what a cached page shows. Anything else in a URL (tracking
# tags, cache-busting junk) is left out of the key, so it cannot multiply cache entries.
PAGE_PARAMS = ("page",)
SEARCH_PARAMS = ("q", "section", "source", "from", "to", "order", "page", "all")


def _page_key(request, params: tuple[str, ...]) -> tuple[str, bool]:
    """(hash of brand, origin, path and the known parameters, whether any were present)."""
    kept = [(name, request.GET.get(name, "")[:300]) for name in params if name in request.GET]
    query = urlencode(kept)
    url = f"{request.scheme}://{request.get_host()}{request.path}" + (f"?{query}" if query else "")
    return hashlib.sha256(f"{request.brand.id}:{url}".encode()).hexdigest(), bool(kept)


def cached_page(view=None, *, params: tuple[str, ...] = PAGE_PARAMS):
    """Serve a brand page from the cache for the current content generation, with 304s."""
    if view is None:
        return functools.partial(cached_page, params=params)

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method not in ("GET", "HEAD") or request.user.is_authenticated:
            response = view(request, *args, **kwargs)
            response["Cache-Control"] = "private, no-store"
            return response
        page, has_query = _page_key(request, params)
        generation = request.content_generation = content_generation()  # parts of the page reuse it
        key = f"page:{generation}:{page}"
        hit = caches["pages"].get(key) if settings.PAGE_CACHE["enabled"] else None
        if hit is None:
            response = view(request, *args, **kwargs)
            if response.status_code != 200 or response.streaming:
                return response
            body = response.content
            etag = quote_etag(hashlib.sha256(body).hexdigest()[:32])
            floor = int(getattr(response, "last_modified_ts", 0) or 0)
            # A URL with a query (a search, page 7 of a list) keeps its change record only as
            # long as the page itself: readers can make any number of them.
            last_modified = _changed_at(
                page, etag, floor, ttl=settings.PAGE_CACHE["ttl"] if has_query else RENDITION_TTL
            )
            hit = (body, response["Content-Type"], etag, last_modified)
            if settings.PAGE_CACHE["enabled"]:
                caches["pages"].set(key, hit, settings.PAGE_CACHE["ttl"])
        body, content_type, etag, last_modified = hit
        if not_modified(request.headers.get("If-None-Match"), request.headers.get("If-Modified-Since"), etag, last_modified):
            response = HttpResponseNotModified()
        else:
            response = HttpResponse(body, content_type=content_type)
            if settings.PAGE_CACHE["enabled"]:
                response[FRONT_HEADER] = f"{generation} {last_modified}"
        response["ETag"] = etag
        for name, value in dated_headers(last_modified, now=time.time()).items():
            response[name] = value
        response["Cache-Control"] = _cache_control()
        response["Vary"] = "Host"
        return response

    return wrapper

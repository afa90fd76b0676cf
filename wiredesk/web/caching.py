"""Whole-page caching per brand and path, conditional GET, and headers for a CDN in front.

Only anonymous GET/HEAD responses with status 200 are cached, and cached pages carry no
per-user state (no CSRF tokens, no session): forms that change state live on uncached pages.
"""

from __future__ import annotations

import functools
import hashlib

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse, HttpResponseNotModified
from django.utils.http import http_date, parse_http_date_safe, quote_etag

from wiredesk.core.generation import content_generation


def _cache_control() -> str:
    c = settings.PAGE_CACHE
    return f"public, max-age={c['max_age']}, s-maxage={c['s_maxage']}, stale-while-revalidate={c['swr']}"


def _not_modified(request, etag: str, last_modified: int) -> bool:
    inm = request.headers.get("If-None-Match")
    if inm is not None:
        tags = [t.strip() for t in inm.split(",")]
        return "*" in tags or etag in tags or f"W/{etag}" in tags
    ims = parse_http_date_safe(request.headers.get("If-Modified-Since", ""))
    return ims is not None and last_modified <= ims


def cached_page(view):
    """Serve a brand page from the cache for the current content generation, with 304s."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method not in ("GET", "HEAD") or request.user.is_authenticated:
            response = view(request, *args, **kwargs)
            response["Cache-Control"] = "private, no-store"
            return response
        key = "page:" + hashlib.sha256(
            f"{request.brand.id}:{content_generation()}:{request.get_full_path()}".encode()
        ).hexdigest()
        hit = cache.get(key) if settings.PAGE_CACHE["enabled"] else None
        if hit is None:
            response = view(request, *args, **kwargs)
            if response.status_code != 200 or response.streaming:
                return response
            body = response.content
            etag = quote_etag(hashlib.sha256(body).hexdigest()[:32])
            last_modified = int(getattr(response, "last_modified_ts", 0)) or 0
            hit = (body, response["Content-Type"], etag, last_modified)
            if settings.PAGE_CACHE["enabled"]:
                cache.set(key, hit, settings.PAGE_CACHE["ttl"])
        body, content_type, etag, last_modified = hit
        if _not_modified(request, etag, last_modified or 2**62):
            response = HttpResponseNotModified()
        else:
            response = HttpResponse(body, content_type=content_type)
        response["ETag"] = etag
        if last_modified:
            response["Last-Modified"] = http_date(last_modified)
        response["Cache-Control"] = _cache_control()
        response["Vary"] = "Host"
        return response

    return wrapper

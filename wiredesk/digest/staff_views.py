"""Staff-only pages of the daily email."""

from __future__ import annotations

from django.conf import settings
from django.contrib.admin.views.decorators import staff_member_required
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from wiredesk.digest.render import preview_parts


def preview_policy() -> str:
    """The email's own CSP: its inlined styles and nothing that runs, posts or frames it."""
    images = " ".join(["'self'", "data:", *settings.IMAGE_SOURCES])
    return "; ".join(
        [
            "default-src 'none'",
            f"img-src {images}",
            "style-src 'unsafe-inline'",
            "frame-ancestors 'none'",
            "base-uri 'none'",
            "form-action 'none'",
        ]
    )


def _sections(request) -> list[str] | None:
    """``?sections=world,business`` limited to the brand's sections; None (all) when none is given."""
    wanted = [s for s in request.GET.get("sections", "").split(",") if s in request.brand.section_list]
    return wanted or None


@never_cache
@require_safe
@staff_member_required
def preview(request):
    """The edition the brand would send now, as HTML or (``?format=text``) as plain text."""
    parts = preview_parts(request.brand, timezone.now(), _sections(request))
    if parts is None:
        response = render(request, "digest/preview_empty.html", {"brand": request.brand})
    elif request.GET.get("format") == "text":
        response = HttpResponse(parts.text, content_type="text/plain; charset=utf-8")
    else:
        response = HttpResponse(parts.html, content_type="text/html; charset=utf-8")
    response["Content-Security-Policy"] = preview_policy()
    return response

"""Choose the brand from the Host header; unknown hosts get 400 (no default site to leak)."""

from __future__ import annotations

from django.http import HttpResponseBadRequest

from wiredesk.brands.selectors import brand_for_host


class BrandMiddleware:
    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith(("/admin/", "/static/")):
            # Staff pages and assets are the same for every brand; they need no brand.
            request.brand = None
            return self.get_response(request)
        host = request.get_host().rsplit(":", 1)[0] if not request.get_host().endswith("]") else request.get_host()
        brand = brand_for_host(host)
        if brand is None:
            return HttpResponseBadRequest("Unknown site.", content_type="text/plain; charset=utf-8")
        request.brand = brand
        return self.get_response(request)

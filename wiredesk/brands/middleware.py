"""Choose the brand from the Host header; unknown hosts get 400 (no default site to leak)."""

from __future__ import annotations

from django.http import HttpResponseBadRequest
from django.template.loader import render_to_string

from wiredesk.brands.selectors import brand_for_host


class BrandMiddleware:
    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith(("/admin/", "/static/", "/anymail/")):
            # Staff pages, assets and the mail provider's webhooks are the same for every brand.
            request.brand = None
            return self.get_response(request)
        host = request.get_host()
        host = host if host.endswith("]") else host.rsplit(":", 1)[0]  # without the port ([v6] has none)
        brand = brand_for_host(host=host)
        if brand is None:
            # The plain error page, rendered without the request: nothing of it comes from the Host.
            return HttpResponseBadRequest(render_to_string("400.html"))
        request.brand = brand
        return self.get_response(request)

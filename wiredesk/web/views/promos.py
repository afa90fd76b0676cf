"""The newsletter and news-release pages the promos link to, and the brand's colours."""

from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from wiredesk.web.caching import cached_page


@require_safe
def newsletter(request):
    # The daily email's sign-up (double opt-in) is its own piece of work; until it ships this
    # page says so plainly instead of taking addresses it cannot yet mail.
    return render(request, "web/promo.html", {"kind": "newsletter", "email": request.GET.get("email", "")[:254]})


@require_safe
def releases(request):
    return render(request, "web/promo.html", {"kind": "releases"})


@cached_page
def brand_css(request):
    # The accent colour is validated as #rrggbb in the model, so it is safe in a stylesheet;
    # a stylesheet (not an inline style) keeps the CSP free of 'unsafe-inline'.
    css = f":root{{--accent:{request.brand.accent_color};}}\n"
    return HttpResponse(css, content_type="text/css; charset=utf-8")

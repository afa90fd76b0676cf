"""The brand's colours."""

from django.http import HttpResponse

from wiredesk.web.caching import cached_page


@cached_page
def brand_css(request):
    # The accent colour is validated as #rrggbb in the model, so it is safe in a stylesheet;
    # a stylesheet (not an inline style) keeps the CSP free of 'unsafe-inline'.
    css = f":root{{--accent:{request.brand.accent_color};}}\n"
    return HttpResponse(css, content_type="text/css; charset=utf-8")

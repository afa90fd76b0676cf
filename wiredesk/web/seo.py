"""Sitemaps and robots.txt (filled in by the SEO work)."""

from django.http import Http404


def sitemap(request):
    raise Http404("not built yet")


def news_sitemap(request):
    raise Http404("not built yet")


def robots_txt(request):
    raise Http404("not built yet")

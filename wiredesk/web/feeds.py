"""Feeds out: RSS, Atom and JSON Feed per brand and per section (filled in by the feeds work)."""

from django.http import Http404


class _NotYet:
    def __call__(self, request, *args, **kwargs):
        raise Http404("feeds are not built yet")


BrandRss = BrandAtom = SectionRss = SectionAtom = _NotYet


def brand_json_feed(request):
    raise Http404("feeds are not built yet")


def section_json_feed(request, section):
    raise Http404("feeds are not built yet")

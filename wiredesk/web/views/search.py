"""Search page (filled in by the search work)."""

from django.http import Http404


def search(request):
    raise Http404("search is not built yet")

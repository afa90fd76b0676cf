"""Staff-only pages of the daily email."""

from django.http import HttpResponse


def preview(request):
    return HttpResponse("todo")

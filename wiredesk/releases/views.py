"""Public pages of news releases: the form, email verification, the status page, images."""

from django.http import Http404, HttpResponse


def submit(request):
    return HttpResponse("todo")


def verify(request, token):
    return HttpResponse("todo")


def status(request, token):
    return HttpResponse("todo")


def image(request, name):
    raise Http404

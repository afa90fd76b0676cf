"""Reader-facing pages of the daily email: sign-up, confirm, unsubscribe, preferences."""

from django.http import HttpResponse


def signup(request):
    return HttpResponse("todo")


def confirm(request, token):
    return HttpResponse("todo")


def unsubscribe(request, token):
    return HttpResponse("todo")


def preferences(request, token):
    return HttpResponse("todo")

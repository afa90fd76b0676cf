"""The answers every public form's views give alike: a link that is not (or no longer) good,
and a sender asked to wait (429 with Retry-After, and when to try again in the brand's time)."""

from __future__ import annotations

import datetime as dt

from django.http import HttpResponse
from django.shortcuts import render

from wiredesk.text.dates import retry_when


def invalid_link_page(request, *, template: str, kind: str) -> HttpResponse:
    return render(request, template, {"kind": kind}, status=400)


def rate_limited_page(request, *, template: str, wait: int, now: dt.datetime) -> HttpResponse:
    retry = retry_when(wait, now=now, tz=request.brand.tz)
    response = render(request, template, {"retry": retry}, status=429)
    response["Retry-After"] = str(wait)
    return response

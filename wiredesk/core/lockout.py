"""The admin sign-in lockout (django-axes): whose address counts, and the page a locked-out client gets."""

from __future__ import annotations

import datetime as dt

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_cool_off, get_failure_limit
from django.contrib import admin
from django.db.models import Max, Sum
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone

from wiredesk.core.ratelimit import client_ip, ip_counted


def lockout_address(request) -> str:
    """The address a lockout counts: the client's as the project's rate limits see it (behind
    the trusted proxies only), an IPv6 client by its /64."""
    return ip_counted(client_ip(request))


def lockout_ends(request, credentials: dict | None = None) -> dt.datetime | None:
    """When the lockout that holds this request ends: the cool-off after the latest failure of
    each address or user name that reached the limit; None when nothing holds it."""
    cool_off = get_cool_off(request)
    if cool_off is None:
        return None
    limit = get_failure_limit(request, credentials)
    latest = []
    for attempts in AxesDatabaseHandler().get_user_attempts(request, credentials):
        totals = attempts.aggregate(failures=Sum("failures_since_start"), last=Max("attempt_time"))
        if (totals["failures"] or 0) >= limit and totals["last"] is not None:
            latest.append(totals["last"])
    return max(latest) + cool_off if latest else None


def lockout_response(request, original_response=None, credentials: dict | None = None) -> HttpResponse:
    """429 with the admin's look, saying what happened and when to try again (Retry-After)."""
    now = timezone.now()
    ends = lockout_ends(request, credentials)
    wait = max(1, int((ends - now).total_seconds()) + 1) if ends else None
    context = {
        **admin.site.each_context(request),
        "title": "Too many failed sign-ins",
        "ends": ends,
        "minutes": -(-wait // 60) if wait else None,
    }
    # Rendered at once: it replaces the login view's response after the template responses were.
    response = render(request, "core/lockout.html", context, status=429)
    if wait:
        response["Retry-After"] = str(wait)
    response["Cache-Control"] = "private, no-store"
    return response

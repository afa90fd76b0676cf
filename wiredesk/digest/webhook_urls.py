"""anymail's webhook URLs, closed until the deployment has configured a shared secret.

Several providers' webhooks carry no signature of their own: with no ``WEBHOOK_SECRET``
(HTTP basic auth) anymail only warns and accepts the request, and anyone could post a fake
bounce or complaint that suppresses an address. So every webhook answers 404 until
``WIREDESK_ANYMAIL`` sets ``WEBHOOK_SECRET``; the provider-specific signature checks
(e.g. ``MAILGUN_WEBHOOK_SIGNING_KEY``) come on top, inside anymail.
"""

from __future__ import annotations

import functools

from anymail import urls as anymail_urls
from django.conf import settings
from django.http import Http404
from django.urls import URLPattern


def _guarded(view):
    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if not (getattr(settings, "ANYMAIL", None) or {}).get("WEBHOOK_SECRET"):
            raise Http404("Mail provider webhooks are not configured.")
        return view(request, *args, **kwargs)

    # Keep anymail's own attributes (csrf_exempt) on the wrapper.
    wrapper.csrf_exempt = getattr(view, "csrf_exempt", False)
    return wrapper


app_name = anymail_urls.app_name
urlpatterns = [
    URLPattern(p.pattern, _guarded(p.callback), p.default_args, p.name) for p in anymail_urls.urlpatterns
]

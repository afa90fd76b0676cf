"""Server errors: a database that cannot be used just now is "temporarily unavailable" (503
with Retry-After), not a bare 500; in commands, one line instead of a traceback."""

from __future__ import annotations

import logging
import sys

from django.db import InterfaceError, InternalError, OperationalError
from django.http import HttpResponse, HttpResponseServerError
from django.template.loader import render_to_string

log = logging.getLogger("wiredesk.errors")

RETRY_AFTER = 30  # seconds: a locked database or a restarting server is usually back by then

# What the database says when it cannot serve: locked, read-only, full, damaged disk, a server
# that does not answer. Errors of our own SQL (a syntax error, a missing column) are bugs and
# stay 500s.
_UNAVAILABLE = ("locked", "readonly", "read-only", "read only", "disk", "full", "unable to open", "connection",
                "could not connect", "server closed", "terminating", "shutting down", "timeout", "timed out",
                "too many clients", "recovery mode", "i/o")


class StorageUnavailable(Exception):
    """The data could not be written (a full disk, a read-only or locked database): whatever
    was being written in that transaction was not kept."""


def database_unavailable(exc: BaseException | None) -> bool:
    """Whether ``exc`` says the database cannot be used just now (rather than a bug of ours)."""
    if isinstance(exc, InterfaceError):
        return True
    if not isinstance(exc, (OperationalError, InternalError)):  # PostgreSQL's read-only transaction is an InternalError
        return False
    text = str(exc).lower()
    return any(word in text for word in _UNAVAILABLE)


def server_error(request, *args, **kwargs):
    """handler500: the brand's "temporarily unavailable" page for a database that cannot be
    used, the plain error page for anything else. Neither reads the database."""
    exc = sys.exc_info()[1]
    if database_unavailable(exc):
        log.warning("database unavailable path=%s error=%s", request.path, type(exc).__name__)
        brand = getattr(request, "brand", None)  # chosen from the cached host table, if it got that far
        response = HttpResponse(render_to_string("503.html", {"brand_name": brand.name if brand else ""}), status=503)
        response["Retry-After"] = str(RETRY_AFTER)
        response["Cache-Control"] = "no-store"
        return response
    return HttpResponseServerError(render_to_string("500.html"))

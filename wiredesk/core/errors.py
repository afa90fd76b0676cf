"""Server errors: a database that cannot be used just now is "temporarily unavailable" (503
with Retry-After), not a bare 500; in commands, one line instead of a traceback."""

from __future__ import annotations

import logging
import sys

from django.db import InterfaceError, InternalError, OperationalError
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.views import defaults

log = logging.getLogger("wiredesk.errors")

RETRY_AFTER = 30  # seconds: a locked database or a restarting server is usually back by then

# SQLite result codes (primary) of a database that cannot be used just now.
_SQLITE_UNAVAILABLE = {"SQLITE_BUSY", "SQLITE_LOCKED", "SQLITE_READONLY", "SQLITE_FULL", "SQLITE_IOERR",
                       "SQLITE_CANTOPEN", "SQLITE_PROTOCOL"}
# PostgreSQL SQLSTATE classes and codes of the same: connection exceptions, insufficient
# resources (disk full, out of memory, too many connections), operator intervention (shutdown,
# cannot connect now, statement timeout), system errors (I/O), a read-only transaction.
_PG_CLASSES = ("08", "53", "57", "58")
_PG_CODES = {"25006"}
# Without a code (a driver error raised before the server answered): what the message says.
_UNAVAILABLE_WORDS = ("locked", "readonly", "read-only", "disk", "full", "unable to open", "connection",
                      "could not connect", "server closed", "timeout", "timed out", "i/o")


class StorageUnavailable(Exception):
    """The data could not be written (a full disk, a read-only or locked database): whatever
    was being written in that transaction was not kept."""


def database_unavailable(exc: BaseException | None) -> bool:
    """Whether ``exc`` says the database cannot be used just now (rather than a bug of ours).

    Decided on the driver's error code where there is one (SQLite's result code, PostgreSQL's
    SQLSTATE), so it holds whatever language the server speaks; on the message otherwise.
    """
    if isinstance(exc, InterfaceError):
        return True
    if not isinstance(exc, (OperationalError, InternalError)):  # PostgreSQL's read-only transaction is an InternalError
        return False
    cause = exc.__cause__ or exc
    name = getattr(cause, "sqlite_errorname", None)
    if name:
        return "_".join(name.split("_")[:2]) in _SQLITE_UNAVAILABLE
    sqlstate = getattr(cause, "sqlstate", None)
    if sqlstate:
        return sqlstate[:2] in _PG_CLASSES or sqlstate in _PG_CODES
    text = str(exc).lower()
    return any(word in text for word in _UNAVAILABLE_WORDS)


def server_error(request, *args, **kwargs):
    """handler500: the brand's "temporarily unavailable" page for a database that cannot be
    used, the plain error page for anything else. Neither reads the database."""
    exc = sys.exc_info()[1]
    if database_unavailable(exc):
        match = getattr(request, "resolver_match", None)  # the view's name: paths can carry tokens
        log.warning("database unavailable view=%s error=%s", match.url_name if match else "-", type(exc).__name__)
        brand = getattr(request, "brand", None)  # chosen from the cached host table, if it got that far
        response = HttpResponse(render_to_string("503.html", {"brand_name": brand.name if brand else ""}), status=503)
        response["Retry-After"] = str(RETRY_AFTER)
        response["Cache-Control"] = "no-store"
        return response
    return defaults.server_error(request)  # Django's own: the plain 500.html

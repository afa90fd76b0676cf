"""One search interface, two engines: SQLite FTS5 and PostgreSQL full-text search.

``backend_for(connection)`` picks the engine from the database in use; callers never branch
on the vendor themselves.
"""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured
from django.db import connection as default_connection

from wiredesk.search.backends.base import RawHit, SearchBackend

__all__ = ["RawHit", "SearchBackend", "backend_for"]


def backend_for(connection=None) -> SearchBackend:
    connection = connection or default_connection
    if connection.vendor == "sqlite":
        from wiredesk.search.backends.sqlite import SqliteBackend

        return SqliteBackend(connection)
    if connection.vendor == "postgresql":
        from wiredesk.search.backends.postgres import PostgresBackend

        return PostgresBackend(connection)
    raise ImproperlyConfigured(f"search supports SQLite and PostgreSQL, not {connection.vendor}")

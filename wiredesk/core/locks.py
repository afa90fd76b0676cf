"""Transaction-scoped locks on a name, for work two processes must not do at once.

PostgreSQL takes an advisory lock keyed by a hash of (scope, name), held until the transaction
ends (uncommitted rows of another transaction are thus covered too). SQLite needs none: its
transactions start IMMEDIATE, so writers already run one at a time.
"""

from __future__ import annotations

import hashlib

from django.db import connection


def name_lock(*, scope: str, name: str) -> None:
    """Hold the lock on ``name`` within ``scope`` until the current transaction ends."""
    if connection.vendor != "postgresql":
        return
    digest = hashlib.sha256(f"{scope}\n{name}".encode()).digest()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [int.from_bytes(digest[:8], "big", signed=True)])

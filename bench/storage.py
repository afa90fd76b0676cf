"""Helpers the benchmarks share: store many synthetic articles fast, then settle the database."""

from __future__ import annotations

from typing import Iterable

BATCH = 5000


def store_articles(articles: Iterable) -> int:
    """bulk_create the articles in transactions of BATCH rows; return how many were stored."""
    from django.db import transaction

    from wiredesk.stories.models import Article

    stored = 0
    batch: list = []
    for article in articles:
        batch.append(article)
        if len(batch) == BATCH:
            stored += _flush(batch, Article, transaction)
    if batch:
        stored += _flush(batch, Article, transaction)
    return stored


def _flush(batch: list, model, transaction) -> int:
    with transaction.atomic():
        model.objects.bulk_create(batch)
    n = len(batch)
    batch.clear()
    return n


def settle_database(*, analyze: bool = False) -> None:
    """As on a site that has been running: SQLite's WAL checkpointed (and statistics fresh),
    and what was just written flushed to disk, so the kernel writing back the freshly stored
    database does not compete with what is measured next."""
    import os

    from django.db import connection

    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            if analyze:
                cursor.execute("ANALYZE")
    os.sync()

"""Writes of the search index: ingest writes the rows of the articles it stores with
search_index_write (it has their documents at hand); other changes (an editor's correction, a
kill, an undo) bring rows up to date with search_index_update."""

from __future__ import annotations

import logging
from typing import Iterable

from django.db import connection, transaction

from wiredesk.search.backends import backend_for
from wiredesk.search.documents import Document, document_for
from wiredesk.stories.models import Article

log = logging.getLogger("wiredesk.search")

BATCH = 500  # ids per statement (SQLite's variable limit) and articles per read
_FIELDS = ("id", "title", "body_html", "lead_text", "published_at")


def _documents(rows) -> list[Document]:
    return [document_for(id=r[0], title=r[1], body_html=r[2], lead_text=r[3], published_at=r[4]) for r in rows]


def search_index_update(*, article_ids: Iterable[int]) -> None:
    """Bring the index rows of these articles up to date (rows of deleted and killed articles
    are dropped: a killed text is not kept searchable anywhere)."""
    ids = sorted({int(i) for i in article_ids})
    if not ids:
        return
    backend = backend_for(connection)
    with transaction.atomic():
        for start in range(0, len(ids), BATCH):
            chunk = ids[start : start + BATCH]
            rows = list(Article.objects.filter(id__in=chunk, withdrawn_at__isnull=True).values_list(*_FIELDS))
            backend.write(_documents(rows))
            backend.delete(set(chunk) - {r[0] for r in rows})


def search_index_write(*, documents: Iterable[Document]) -> None:
    """Write the index rows of articles whose documents the caller built (ingest, which has
    each story's plain text at hand and so need not read the articles back)."""
    # One row per article, its last document, is the backends' own rule (last_per_article).
    docs = list(documents)
    if not docs:
        return
    with transaction.atomic():
        backend_for(connection).write(docs)


def search_index_rebuild() -> int:
    """Empty the index and fill it from every stored article; returns how many were indexed."""
    backend = backend_for(connection)
    indexed = 0
    last_id = 0
    with transaction.atomic():  # readers see the old index until the new one is complete
        backend.clear()
        while True:
            rows = list(
                Article.objects.filter(id__gt=last_id, withdrawn_at__isnull=True).order_by("id").values_list(*_FIELDS)[:BATCH]
            )
            if not rows:
                break
            backend.write(_documents(rows))
            indexed += len(rows)
            last_id = rows[-1][0]
    backend.optimize()
    log.info("search index rebuilt articles=%s", indexed)
    return indexed

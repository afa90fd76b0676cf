"""Reads of the index against the stored articles: what is missing, left over or out of date.

Ingest writes each article's index row in the article's own transaction, so the two never
part on their own; drift means something else wrote to one of them (an older version, a
restore of one table, a hand edit). ``wiredesk search_reindex --check`` reports it.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection

from wiredesk.search.backends import backend_for
from wiredesk.search.documents import indexed_title
from wiredesk.stories.models import Article

FETCH_ROWS = 2000


@dataclass(frozen=True)
class Drift:
    articles: int  # stored articles
    rows: int  # index rows
    missing: tuple[int, ...]  # articles without an index row: never found by search
    orphaned: tuple[int, ...]  # index rows whose article is gone
    stale: tuple[int, ...]  # index rows whose title is not the article's (bodies are not compared)

    def __bool__(self) -> bool:
        return bool(self.missing or self.orphaned or self.stale)


def _ids(cursor, sql: str) -> tuple[int, ...]:
    cursor.execute(sql)
    return tuple(sorted(row[0] for row in cursor.fetchall()))


def search_index_drift() -> Drift:
    """Compare the index with the articles: one pass over each, titles included.

    Bodies are not compared: that would mean working out every story's text again, which is
    what ``search_reindex`` (a full rebuild) does anyway.
    """
    rows = backend_for(connection).rows_sql()
    # The articles that should be indexed: every one not killed (a kill drops its rows).
    article = f"(SELECT id, title FROM {connection.ops.quote_name(Article._meta.db_table)} WHERE withdrawn_at IS NULL)"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {article} a")
        articles = cursor.fetchone()[0]
        cursor.execute(f"SELECT COUNT(*) FROM ({rows}) i")
        indexed = cursor.fetchone()[0]
        missing = _ids(cursor, f"SELECT a.id FROM {article} a WHERE a.id NOT IN (SELECT i.id FROM ({rows}) i)")
        orphaned = _ids(cursor, f"SELECT i.id FROM ({rows}) i WHERE i.id NOT IN (SELECT a.id FROM {article} a)")
        cursor.execute(f"SELECT a.id, a.title, i.title FROM {article} a JOIN ({rows}) i ON i.id = a.id")
        stale: list[int] = []
        while batch := cursor.fetchmany(FETCH_ROWS):
            stale.extend(a_id for a_id, title, held in batch if indexed_title(title) != held)
    return Drift(articles=articles, rows=indexed, missing=missing, orphaned=orphaned, stale=tuple(sorted(stale)))

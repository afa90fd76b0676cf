"""SQLite: an FTS5 table ``search_fts(title, body)`` whose rowid is the article id.

Relevance is bm25() with the title weighted 10 to 1 over the body. Snippets and titles come
from snippet() and highlight() with private-use sentinels around matches; the caller escapes
the text and only then turns the sentinels into <mark> tags.
"""

from __future__ import annotations

from typing import Iterable, Sequence

from django.db.models import Q, QuerySet
from django.db.models.expressions import RawSQL

from wiredesk.search.backends.base import RawHit, SearchBackend, last_per_article
from wiredesk.search.documents import ELLIPSIS, MARK_START, MARK_STOP, Document
from wiredesk.search.query import ParsedQuery
from wiredesk.stories.models import Article

TABLE = "search_fts"
TOKENIZER = "porter unicode61 remove_diacritics 2"
TITLE_WEIGHT, BODY_WEIGHT = 10.0, 1.0
SNIPPET_TOKENS = 32  # FTS5 allows at most 64

# FTS5 answers `MATCH ... AND rowid IN (subquery)` by running the match once per candidate
# row (seconds on 20,000 articles). So the matches are computed once, in a materialized CTE,
# and only then filtered by the brand's candidates.
_MATCHES = f"WITH m AS MATERIALIZED (SELECT rowid AS id, bm25({TABLE}, {TITLE_WEIGHT}, {BODY_WEIGHT}) AS score FROM {TABLE} WHERE {TABLE} MATCH %s)"


class SqliteBackend(SearchBackend):
    def create_schema(self) -> None:
        with self.connection.cursor() as cursor:
            cursor.execute(f"CREATE VIRTUAL TABLE IF NOT EXISTS {TABLE} USING fts5(title, body, tokenize = '{TOKENIZER}')")

    def drop_schema(self) -> None:
        with self.connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {TABLE}")

    def rows_sql(self) -> str:
        return f"SELECT rowid AS id, title FROM {TABLE}"

    def write(self, docs: Sequence[Document]) -> None:
        docs = last_per_article(docs)
        if not docs:
            return
        with self.connection.cursor() as cursor:
            cursor.executemany(f"DELETE FROM {TABLE} WHERE rowid = %s", [(d.id,) for d in docs])
            cursor.executemany(
                f"INSERT INTO {TABLE} (rowid, title, body) VALUES (%s, %s, %s)", [(d.id, d.title, d.body) for d in docs]
            )

    def delete(self, article_ids: Iterable[int]) -> None:
        ids = [(int(i),) for i in article_ids]
        if ids:
            with self.connection.cursor() as cursor:
                cursor.executemany(f"DELETE FROM {TABLE} WHERE rowid = %s", ids)

    def clear(self) -> None:
        with self.connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {TABLE}")

    def optimize(self) -> None:
        with self.connection.cursor() as cursor:
            cursor.execute(f"INSERT INTO {TABLE} ({TABLE}) VALUES ('optimize')")

    def _visible(self, candidates: QuerySet) -> tuple[str, tuple]:
        """`m.id` is one of the candidates, checked row by row for the (few) matches.

        An uncorrelated `IN (subquery)` would first list every visible article of the brand
        (0.15 s a statement at 100,000 articles). The correlation is written by the ORM, so it
        holds whatever the candidates' conditions are (an earlier test of the SQL text for
        " LIMIT " mistook the LIMIT 1 of the candidates' own EXISTS for one of theirs).
        """
        correlated = candidates.prefetch_related(None).order_by().filter(id=RawSQL("m.id", ())).values("id")
        sql, params = correlated.query.get_compiler(connection=self.connection).as_sql()
        return f"EXISTS ({sql})", tuple(params)

    def matches_q(self, query: ParsedQuery) -> Q:
        # Uncorrelated: SQLite answers the match once per statement (a correlated MATCH would
        # run once per row).
        return Q(id__in=RawSQL(f"SELECT rowid FROM {TABLE} WHERE {TABLE} MATCH %s", (query.fts5(),)))

    def count(self, *, candidates: QuerySet, query: ParsedQuery, cap: int) -> int:
        visible, cand_params = self._visible(candidates)
        with self.connection.cursor() as cursor:
            cursor.execute(f"{_MATCHES} SELECT COUNT(*) FROM (SELECT 1 FROM m WHERE {visible} LIMIT %s)",
                           (query.fts5(), *cand_params, int(cap)))
            return int(cursor.fetchone()[0])

    def newest(self, *, candidates: QuerySet, query: ParsedQuery, offset: int, limit: int,
               scored: bool = False, few: bool = False) -> list[tuple[int, float]]:
        visible, cand_params = self._visible(candidates)
        article = self.connection.ops.quote_name(Article._meta.db_table)
        sql = f"""
            {_MATCHES}
            SELECT m.id, m.score FROM m JOIN {article} a ON a.id = m.id
            WHERE {visible}
            ORDER BY a.published_at DESC, a.id DESC
            LIMIT %s OFFSET %s
        """
        with self.connection.cursor() as cursor:
            cursor.execute(sql, (query.fts5(), *cand_params, int(limit), int(offset)))
            # bm25() is lower for better matches; the interface wants higher for better.
            return [(row[0], -float(row[1]) if scored else 0.0) for row in cursor.fetchall()]

    def marks(self, *, article_ids: Sequence[int], query: ParsedQuery) -> dict[int, RawHit]:
        ids = [int(i) for i in article_ids]
        if not ids:
            return {}
        marks = ", ".join(["%s"] * len(ids))
        sql = f"""
            SELECT rowid, highlight({TABLE}, 0, %s, %s), snippet({TABLE}, 1, %s, %s, %s, {SNIPPET_TOKENS})
            FROM {TABLE} WHERE {TABLE} MATCH %s AND rowid IN ({marks})
        """
        params = (MARK_START, MARK_STOP, MARK_START, MARK_STOP, ELLIPSIS, query.fts5(), *ids)
        with self.connection.cursor() as cursor:
            cursor.execute(sql, params)
            return {row[0]: RawHit(article_id=row[0], title=row[1] or "", snippet=row[2] or "") for row in cursor.fetchall()}

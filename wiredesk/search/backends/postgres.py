"""PostgreSQL: table ``search_document`` with a generated, weighted tsvector and a GIN index.

The title is weight A and the body weight B; queries go through websearch_to_tsquery (which
never raises on syntax), relevance is ts_rank, snippets are ts_headline with private-use
sentinels that the caller escapes and turns into <mark> tags.
"""

from __future__ import annotations

from typing import Iterable, Sequence

from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank
from django.db.models import F, QuerySet, Value

from wiredesk.search.backends.base import RawHit, SearchBackend, last_per_article
from wiredesk.search.documents import ELLIPSIS, MARK_START, MARK_STOP, Document
from wiredesk.search.models import SearchDocument
from wiredesk.search.query import ParsedQuery

CONFIG = "english"
TABLE = SearchDocument._meta.db_table

CREATE_SQL = (
    f"""
    CREATE TABLE IF NOT EXISTS {TABLE} (
        article_id bigint PRIMARY KEY,
        title text NOT NULL,
        body text NOT NULL,
        document tsvector GENERATED ALWAYS AS (
            setweight(to_tsvector('{CONFIG}'::regconfig, title), 'A')
            || setweight(to_tsvector('{CONFIG}'::regconfig, body), 'B')
        ) STORED
    )
    """,
    f"CREATE INDEX IF NOT EXISTS {TABLE}_gin ON {TABLE} USING gin (document)",
)

_ORDER = {
    "relevance": ("-score", "-article__published_at", "-article_id"),
    "newest": ("-article__published_at", "-article_id"),
}


class PostgresBackend(SearchBackend):
    def create_schema(self) -> None:
        with self.connection.cursor() as cursor:
            for statement in CREATE_SQL:
                cursor.execute(statement)

    def drop_schema(self) -> None:
        with self.connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {TABLE}")

    def rows_sql(self) -> str:
        return f"SELECT article_id AS id, title FROM {TABLE}"

    def write(self, docs: Sequence[Document]) -> None:
        docs = last_per_article(docs)
        if not docs:
            return
        with self.connection.cursor() as cursor:
            cursor.executemany(
                f"""INSERT INTO {TABLE} (article_id, title, body) VALUES (%s, %s, %s)
                    ON CONFLICT (article_id) DO UPDATE SET title = EXCLUDED.title, body = EXCLUDED.body""",
                [(d.id, d.title, d.body) for d in docs],
            )

    def delete(self, article_ids: Iterable[int]) -> None:
        ids = [int(i) for i in article_ids]
        if ids:
            with self.connection.cursor() as cursor:
                cursor.execute(f"DELETE FROM {TABLE} WHERE article_id = ANY(%s)", [ids])

    def clear(self) -> None:
        with self.connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {TABLE}")

    def _matches(self, candidates: QuerySet, query: ParsedQuery):
        tsquery = SearchQuery(query.websearch(), search_type="websearch", config=CONFIG)
        docs = SearchDocument.objects.using(self.connection.alias).filter(
            pk__in=candidates.order_by().values("id"), document=tsquery
        )
        return docs, tsquery

    def matching_ids(self, query: ParsedQuery):
        tsquery = SearchQuery(query.websearch(), search_type="websearch", config=CONFIG)
        return SearchDocument.objects.using(self.connection.alias).filter(document=tsquery).values("article_id")

    def count(self, *, candidates: QuerySet, query: ParsedQuery) -> int:
        docs, _ = self._matches(candidates, query)
        return docs.count()

    def page(self, *, candidates: QuerySet, query: ParsedQuery, order: str, offset: int, limit: int) -> list[RawHit]:
        docs, tsquery = self._matches(candidates, query)
        if order == "relevance":
            # Normalization 1 divides by 1 + log(length), so long stories do not win by length alone.
            docs = docs.annotate(score=SearchRank(F("document"), tsquery, normalization=Value(1)))
        # ts_headline is costly: PostgreSQL evaluates it after the sort and limit, on the page only.
        rows = (
            docs.annotate(
                title_marked=SearchHeadline(
                    "title", tsquery, config=CONFIG, start_sel=MARK_START, stop_sel=MARK_STOP, highlight_all=True
                ),
                snippet_marked=SearchHeadline(
                    "body", tsquery, config=CONFIG, start_sel=MARK_START, stop_sel=MARK_STOP,
                    max_words=35, min_words=15, max_fragments=2, fragment_delimiter=f" {ELLIPSIS} ",
                ),
            )
            .order_by(*_ORDER[order])
            .values_list("article_id", "title_marked", "snippet_marked")[offset : offset + limit]
        )
        return [RawHit(article_id=a, title=t or "", snippet=s or "") for a, t, s in rows]

"""PostgreSQL: table ``search_document`` with a generated, weighted tsvector and a GIN index.

The title is weight A and the body weight B; queries go through websearch_to_tsquery (which
never raises on syntax), relevance is ts_rank, snippets are ts_headline with private-use
sentinels that the caller escapes and turns into <mark> tags.

Each row also keeps its article's publication time, indexed newest first: a search reads the
index table newest first and checks each matching row's article against the brand's
candidates, so it stops after the few hundred matches it lists. A word with few matches is
read through the GIN index instead (``few``). Ranking (ts_rank) is asked only for the rows of
the window the selector ranks. bench/scale.py measures it at 1,000,000 articles.
"""

from __future__ import annotations

from typing import Iterable, Sequence

from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank
from django.db.models import Exists, F, OuterRef, Q, QuerySet, Value

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
        published_at timestamp with time zone NOT NULL,
        document tsvector GENERATED ALWAYS AS (
            setweight(to_tsvector('{CONFIG}'::regconfig, title), 'A')
            || setweight(to_tsvector('{CONFIG}'::regconfig, body), 'B')
        ) STORED
    )
    """,
    f"CREATE INDEX IF NOT EXISTS {TABLE}_gin ON {TABLE} USING gin (document)",
    f"CREATE INDEX IF NOT EXISTS {TABLE}_newest ON {TABLE} (published_at DESC, article_id DESC)",
)

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
                f"""INSERT INTO {TABLE} (article_id, title, body, published_at) VALUES (%s, %s, %s, %s)
                    ON CONFLICT (article_id) DO UPDATE SET title = EXCLUDED.title, body = EXCLUDED.body,
                    published_at = EXCLUDED.published_at""",
                [(d.id, d.title, d.body, d.published_at) for d in docs],
            )

    def delete(self, article_ids: Iterable[int]) -> None:
        ids = [int(i) for i in article_ids]
        if ids:
            with self.connection.cursor() as cursor:
                cursor.execute(f"DELETE FROM {TABLE} WHERE article_id = ANY(%s)", [ids])

    def clear(self) -> None:
        with self.connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {TABLE}")

    def _tsquery(self, query: ParsedQuery) -> SearchQuery:
        return SearchQuery(query.websearch(), search_type="websearch", config=CONFIG)

    def matches_q(self, query: ParsedQuery) -> Q:
        # Correlated: checked for the few rows it is asked about (a story's other members),
        # through the primary key, instead of listing every match first.
        return Q(Exists(SearchDocument.objects.filter(article_id=OuterRef("pk"), document=self._tsquery(query))))

    def _matching(self, candidates: QuerySet, query: ParsedQuery) -> QuerySet:
        """The index rows matching ``query`` whose article is a candidate, newest first.

        Driven from the index table: the newest rows come from its (published_at, article_id)
        index, each checked against the query on the row itself, and only a matching row's
        article is checked against the candidates (one primary-key probe). Starting from the
        articles instead checked every article walked past (a story's other members among
        them) before asking whether it matched: 95 % of that work wasted on a common word.
        """
        ids = candidates.prefetch_related(None).order_by().filter(pk=OuterRef("article_id"))
        return (
            SearchDocument.objects.using(self.connection.alias)
            .filter(document=self._tsquery(query))
            .filter(Exists(ids))
        )

    def _matching_sql(self, candidates: QuerySet, query: ParsedQuery) -> tuple[str, tuple]:
        """_matching as SQL (article_id, published_at; unordered), compiled once per search:
        compiling the candidates' conditions cost more than running the query."""
        key = (id(candidates), query)
        if self._compiled[0] != key:
            sql, params = (self._matching(candidates, query).order_by().values_list("article_id", "published_at")
                           .query.get_compiler(connection=self.connection).as_sql())
            self._compiled = (key, (sql, tuple(params)), candidates)  # the queryset kept: its id stays its own
        return self._compiled[1]

    _compiled: tuple = (None, None, None)

    def count(self, *, candidates: QuerySet, query: ParsedQuery, cap: int) -> int:
        sql, params = self._matching_sql(candidates, query)
        with self.connection.cursor() as cursor:
            cursor.execute(f"SELECT COUNT(*) FROM ({sql} LIMIT %s) c", (*params, int(cap)))
            return int(cursor.fetchone()[0])

    def newest(self, *, candidates: QuerySet, query: ParsedQuery, offset: int, limit: int,
               scored: bool = False, few: bool = False) -> list[tuple[int, float]]:
        sql, params = self._matching_sql(candidates, query)
        if few:
            # Every match is known to be among a few hundred: the planner, asked for the newest
            # 20 of a rare word, may still walk the newest-first index across the whole table
            # looking for them (0.8 s at 1,000,000 articles). A materialized list of the matches,
            # read through the GIN index, then sorted, never does.
            slice_sql = (f"WITH m AS MATERIALIZED ({sql}) SELECT article_id, published_at FROM m "
                         f"ORDER BY published_at DESC, article_id DESC LIMIT %s OFFSET %s")
        else:
            # Many matches: the newest come first from the (published_at, article_id) index.
            slice_sql = f"{sql} ORDER BY {TABLE}.published_at DESC, {TABLE}.article_id DESC LIMIT %s OFFSET %s"
        params = (*params, int(limit), int(offset))
        with self.connection.cursor() as cursor:
            if not scored:
                cursor.execute(slice_sql, params)
                return [(row[0], 0.0) for row in cursor.fetchall()]
            # ts_rank reads the row's whole tsvector: computed for the slice's rows only.
            # Normalization 1 divides by 1 + log(length), so long stories do not win by length alone.
            cursor.execute(
                f"SELECT s.article_id, ts_rank(d.document, websearch_to_tsquery(%s::regconfig, %s), 1) "
                f"FROM ({slice_sql}) s JOIN {TABLE} d ON d.article_id = s.article_id "
                f"ORDER BY s.published_at DESC, s.article_id DESC",
                (CONFIG, query.websearch(), *params),
            )
            return [(row[0], float(row[1])) for row in cursor.fetchall()]

    def marks(self, *, article_ids: Sequence[int], query: ParsedQuery) -> dict[int, RawHit]:
        if not article_ids:
            return {}
        tsquery = self._tsquery(query)
        rows = (
            SearchDocument.objects.using(self.connection.alias).filter(article_id__in=list(article_ids))
            .annotate(
                title_marked=SearchHeadline(
                    "title", tsquery, config=CONFIG, start_sel=MARK_START, stop_sel=MARK_STOP, highlight_all=True
                ),
                snippet_marked=SearchHeadline(
                    "body", tsquery, config=CONFIG, start_sel=MARK_START, stop_sel=MARK_STOP,
                    max_words=35, min_words=15, max_fragments=2, fragment_delimiter=f" {ELLIPSIS} ",
                ),
            )
            .values_list("article_id", "title_marked", "snippet_marked")
        )
        return {a: RawHit(article_id=a, title=t or "", snippet=s or "") for a, t, s in rows}

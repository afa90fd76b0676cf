"""The interface both search engines implement."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Iterable, Sequence

from django.db.models import QuerySet

from wiredesk.search.documents import Document
from wiredesk.search.query import ParsedQuery


@dataclass(frozen=True)
class RawHit:
    """One match as the engine returns it; title and snippet carry the MARK_* sentinels."""

    article_id: int
    title: str
    snippet: str


def last_per_article(docs: Iterable[Document]) -> list[Document]:
    """One document per article, the last given winning, in first-seen order.

    An index row per article is the invariant both engines rely on: FTS5 refuses a rowid
    twice in one batch, and PostgreSQL cannot update one row twice in one statement.
    """
    return list({doc.id: doc for doc in docs}.values())


class SearchBackend(ABC):
    """Writes take Documents; reads take the candidate articles as a queryset (filters applied)."""

    def __init__(self, connection) -> None:
        self.connection = connection

    # --- schema (used by the migration) ---
    @abstractmethod
    def create_schema(self) -> None: ...

    @abstractmethod
    def drop_schema(self) -> None: ...

    @abstractmethod
    def rows_sql(self) -> str:
        """A SELECT of every index row as (id, title): the article id and the indexed title."""

    # --- writes ---
    @abstractmethod
    def write(self, docs: Sequence[Document]) -> None:
        """Insert or replace the index rows of these articles (an article given twice: the
        last one wins)."""

    @abstractmethod
    def delete(self, article_ids: Iterable[int]) -> None: ...

    @abstractmethod
    def clear(self) -> None: ...

    def optimize(self) -> None:
        """Compact the index after a rebuild (optional)."""

    # --- reads: one query each, whatever the page size ---
    @abstractmethod
    def matching_ids(self, query: ParsedQuery):
        """The ids of the articles matching ``query``, as a subquery for ``id__in`` (an
        uncorrelated one: the engine answers it once per statement)."""

    @abstractmethod
    def count(self, *, candidates: QuerySet, query: ParsedQuery) -> int: ...

    @abstractmethod
    def page(self, *, candidates: QuerySet, query: ParsedQuery, order: str, offset: int, limit: int) -> list[RawHit]:
        """Matches in order ("relevance": best first, then newest; "newest": by publication time)."""

"""The interface both search engines implement."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Iterable, Sequence

from django.db.models import Q, QuerySet

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
    def matches_q(self, query: ParsedQuery) -> Q:
        """A condition on articles: the article matches ``query`` (for filtering a story's
        other members, see stories.selectors.preferred_members)."""

    @abstractmethod
    def count(self, *, candidates: QuerySet, query: ParsedQuery, cap: int) -> int:
        """How many candidates match, counting no further than ``cap``."""

    @abstractmethod
    def newest(self, *, candidates: QuerySet, query: ParsedQuery, offset: int, limit: int,
               scored: bool = False, few: bool = False) -> list[tuple[int, float]]:
        """Matching candidates newest first (publication time, then id), as (article id,
        relevance) pairs; the relevance (higher is better) only when ``scored``, else 0.
        ``few``: the caller counted every match (no more than a search lists), which lets an
        engine read them all and sort rather than walk its newest-first order."""

    @abstractmethod
    def marks(self, *, article_ids: Sequence[int], query: ParsedQuery) -> dict[int, RawHit]:
        """The marked title and snippet of each of these articles (a page's worth)."""

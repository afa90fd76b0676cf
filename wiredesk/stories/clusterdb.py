"""The clustering state in the database: the ``Store`` that wiredesk.stories.clustering runs on
in the pipeline, so that every worker on every machine files articles into the same stories.

- Document frequencies: one ``TermCount`` row per (language, term), keyed by a 64-bit hash, plus
  one row per language counting its documents; incremented with one upsert per article.
- Postings: ``StoryPosting(term, day, story)``: a story's terms on each day it gained a member.
  Candidates are read through the (term, day, story) unique index for the article's strongest
  terms on the days of the window: the cost depends on those rows, never on how many articles
  are stored.
- Placement is serialised per language: a transaction-scoped advisory lock on PostgreSQL; on
  SQLite every write transaction already takes the database's write lock at its start
  (``transaction_mode`` IMMEDIATE). Two workers storing two write-ups of one event at the same
  moment thus see each other's story; a story that only later turns out to be the same event
  is merged by the clustering stage itself.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
from dataclasses import dataclass
from contextlib import contextmanager
from typing import Callable, Iterable

from django.db import connection
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from wiredesk.stories import clustering
from wiredesk.stories.clustering import (
    CENTROID_TERMS, StoryState, add_to_centroid, clustering_language, combine_centroids, lead_rank, posted_terms,
)
from wiredesk.stories.models import Article, Story, StoryPosting, TermCount
from wiredesk.text.dates import epoch_day

DOCS = "\x00documents"  # the pseudo-term counting a language's documents


def term_key(language: str, term: str) -> int:
    """A signed 64-bit key for (language, term): what the index rows store."""
    digest = hashlib.blake2b(f"{language}\x1f{term}".encode("utf-8", "surrogatepass"), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


@contextmanager
def cluster_lock(language: str = ""):
    """Hold the clustering lock for the rest of the current transaction.

    One lock for every language: a write batch holds it until it commits, and a batch may
    place articles of several languages, so per-language locks taken in a batch's own order
    could deadlock two workers. Editors' merges and splits take it before any story row.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [term_key("\x00lock", "stories")])
    yield


def as_days(moment: dt.datetime) -> float:
    """Days since the epoch, with the time of day as a fraction."""
    return moment.timestamp() / 86400


def final_story_id(story_id: int) -> int:
    """The story a merged story now lives in (merges chain only through the clustering stage)."""
    seen = {story_id}
    while True:
        into = Story.objects.filter(id=story_id).values_list("merged_into_id", flat=True).first()
        if into is None or into in seen:
            return story_id
        seen.add(into)
        story_id = into


class DatabaseStore:
    """clustering.Store over the ORM. Call inside a transaction holding ``cluster_lock``."""

    # The statements of a placement are written in SQL: through the ORM they cost more than
    # the database's own work (measured in the ingest benchmark).

    def __init__(self, *, moment: dt.datetime, article_id: int | None = None, body_chars: int = 0,
                 merge_stories: Callable[[int, int], None] | None = None):
        self.moment = moment  # the article's publication time: the story's first/last seen
        # Merging two stories is the stories service's (story_merge: members, pins, postings),
        # above this store: the placement that may merge hands it in.
        self._merge_stories = merge_stories
        self.article_id = article_id  # the member a story created now starts with, or joins
        self.body_chars = body_chars  # its length, which ranks it for the story's lead
        self.created_id: int | None = None
        self.absorbed_id: int | None = None  # the story whose summary join already counted the member in
        self._keys: dict[tuple[str, str], int] = {}  # term_key of each term a placement reads and writes
        self._rows: dict[int, _StoryRow] = {}  # the candidates as read, for join's one statement

    def _key(self, language: str, term: str) -> int:
        key = self._keys.get((language, term))
        if key is None:
            key = self._keys[(language, term)] = term_key(language, term)
        return key

    # --- document frequencies -----------------------------------------------------------
    def frequencies(self, language: str, terms: Iterable[str]) -> tuple[int, dict[str, int]]:
        keys = {self._key(language, t): t for t in terms}
        docs_key = self._key(language, DOCS)
        wanted = [*keys, docs_key]
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT term, count FROM {TermCount._meta.db_table} WHERE term IN ({', '.join(['%s'] * len(wanted))})",
                wanted,
            )
            rows = dict(cursor.fetchall())
        return rows.pop(docs_key, 0), {keys[k]: n for k, n in rows.items() if k in keys}

    def count(self, language: str, terms: Iterable[str]) -> None:
        keys = sorted({self._key(language, t) for t in terms} | {self._key(language, DOCS)})
        table = TermCount._meta.db_table
        for start in range(0, len(keys), 400):
            chunk = keys[start : start + 400]
            values = ", ".join(["(%s, 1)"] * len(chunk))
            with connection.cursor() as cursor:
                cursor.execute(
                    f"INSERT INTO {table} (term, count) VALUES {values} "
                    f"ON CONFLICT (term) DO UPDATE SET count = {table}.count + 1",
                    chunk,
                )

    # --- candidates -----------------------------------------------------------------------
    def candidates(self, language: str, terms: list[str], days: range, limit: int) -> list[StoryState]:
        keys = [self._key(language, t) for t in terms]
        if not keys:
            return []
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT story_id FROM {StoryPosting._meta.db_table} WHERE term IN ({', '.join(['%s'] * len(keys))}) "
                "AND day >= %s AND day < %s GROUP BY story_id ORDER BY COUNT(*) DESC, story_id DESC LIMIT %s",
                [*keys, days.start, days.stop, limit],
            )
            order = [row[0] for row in cursor.fetchall()]
        stories = _story_rows(order)
        ids: list[int] = []
        for story_id in order:
            story = stories.get(story_id)
            if story is not None and story.merged_into_id is not None:  # rare: follow the merge
                story_id = final_story_id(story_id)
                if story_id not in stories:
                    stories.update(_story_rows([story_id]))
            if story_id not in ids and story_id in stories:
                ids.append(story_id)
        self._rows.update(stories)
        return [stories[i].state() for i in ids[:limit] if stories[i].language == language]

    # --- writes ---------------------------------------------------------------------------
    def _post(self, story_id: int, language: str, vector: dict[str, float], day: int) -> None:
        keys = sorted({self._key(language, t) for t in posted_terms(vector)})
        if not keys:
            return
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {StoryPosting._meta.db_table} (term, day, story_id) VALUES "
                + ", ".join(["(%s, %s, %s)"] * len(keys)) + " ON CONFLICT DO NOTHING",
                [value for key in keys for value in (key, day, story_id)],
            )

    def create(self, language: str, vector: dict[str, float], at: float) -> int:
        day = math.floor(at)
        story_id = _insert_story(
            language=language, first_seen_at=self.moment, last_updated_at=self.moment, first_day=day, last_day=day,
            size=1 if self.article_id else 0, lead_id=self.article_id,
            centroid={t: round(w, 5) for t, w in vector.items()},
        )
        self._post(story_id, language, vector, day)
        self.created_id = story_id
        return story_id

    def join(self, story: StoryState, vector: dict[str, float], at: float, centroid_terms: int) -> None:
        day = math.floor(at)
        centroid = add_to_centroid(story.centroid, vector, centroid_terms)
        story.centroid = {t: round(w, 5) for t, w in centroid.items()}
        story.first_day, story.last_day = min(story.first_day, at), max(story.last_day, at)
        values = {"centroid": story.centroid, "first_day": math.floor(story.first_day),
                  "last_day": math.floor(story.last_day)}
        row = self._rows.get(story.id)
        if self.article_id is not None and row is not None and row.size and row.lead_id is not None:
            # The new member counted into the story's summary in the same statement: what
            # story_refresh would work out, without reading every member again.
            first, last = min(row.first_seen_at, self.moment), max(row.last_updated_at, self.moment)
            lead = row.lead_id
            if lead_rank(self.body_chars, self.moment, self.article_id) < lead_rank(row.lead_chars, row.lead_at, lead):
                lead = self.article_id
            values.update(size=row.size + 1, first_seen_at=first, last_updated_at=last, first_day=epoch_day(first),
                          last_day=epoch_day(last), lead_id=lead)
            self.absorbed_id = story.id
        _update_story(story.id, values)
        self._post(story.id, story.language, vector, day)

    def merge(self, into: StoryState, other: StoryState) -> None:
        if self._merge_stories is None:
            raise RuntimeError("this store was opened without a way to merge stories")
        self._merge_stories(into.id, other.id)
        into.centroid = combine_centroids(into.centroid, other.centroid, CENTROID_TERMS)
        into.first_day, into.last_day = min(into.first_day, other.first_day), max(into.last_day, other.last_day)
        into.apart = into.apart | other.apart
        into.size += other.size


@dataclass(frozen=True)
class _StoryRow:
    """A candidate story as read for a placement, with its lead's rank."""

    id: int
    language: str
    centroid: dict
    size: int
    first_seen_at: dt.datetime
    last_updated_at: dt.datetime
    apart: list
    merged_into_id: int | None
    lead_id: int | None
    lead_chars: int
    lead_at: dt.datetime | None

    def state(self) -> StoryState:
        return StoryState(
            id=self.id, language=self.language, centroid=dict(self.centroid), size=self.size,
            first_day=as_days(self.first_seen_at), last_day=as_days(self.last_updated_at),
            apart=frozenset(int(i) for i in self.apart),
        )


def _json(value):
    return json.loads(value) if isinstance(value, (str, bytes)) else value


def _moment(value) -> dt.datetime | None:
    """A datetime column as read by a plain statement: text on SQLite (UTC), aware on PostgreSQL."""
    if value is None or isinstance(value, dt.datetime):
        return value if value is None or value.tzinfo else value.replace(tzinfo=dt.timezone.utc)
    return _moment(parse_datetime(value))


def _story_rows(ids: list[int]) -> dict[int, _StoryRow]:
    """Stories by id, with their lead's length and time, in one plain statement (the ORM's
    in_bulk cost more than the database's work here)."""
    if not ids:
        return {}
    story, article = Story._meta.db_table, Article._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT s.id, s.language, s.centroid, s.size, s.first_seen_at, s.last_updated_at, s.apart, "
            f"s.merged_into_id, s.lead_id, a.body_chars, a.published_at FROM {story} s "
            f"LEFT JOIN {article} a ON a.id = s.lead_id WHERE s.id IN ({', '.join(['%s'] * len(ids))})",
            list(ids),
        )
        rows = cursor.fetchall()
    return {
        r[0]: _StoryRow(id=r[0], language=r[1], centroid=_json(r[2]) or {}, size=r[3], first_seen_at=_moment(r[4]),
                        last_updated_at=_moment(r[5]), apart=_json(r[6]) or [], merged_into_id=r[7], lead_id=r[8],
                        lead_chars=r[9] or 0, lead_at=_moment(r[10]))
        for r in rows
    }


def _update_story(story_id: int, values: dict) -> None:
    """One Story row's fields set in one statement, each value through its field's conversion."""
    values = {**values, "changed_at": timezone.now()}
    fields = [Story._meta.get_field(name) for name in values]
    assignments = ", ".join(f"{connection.ops.quote_name(f.column)} = %s" for f in fields)
    params = [f.get_db_prep_save(values[name], connection) for name, f in zip(values, fields)]
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {Story._meta.db_table} SET {assignments} WHERE id = %s", [*params, story_id])


def _insert_story(**values) -> int:
    """One new Story row in one statement (the ORM's create costs several times the database's
    work here); the values go through each field's own conversion for the database."""
    now = timezone.now()
    values.update(created_at=now, changed_at=now, apart=[], merged_into_id=None)
    fields = [Story._meta.get_field(name) for name in values]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    params = [f.get_db_prep_save(values[f.attname], connection) for f in fields]
    sql = f"INSERT INTO {Story._meta.db_table} ({columns}) VALUES ({', '.join(['%s'] * len(fields))})"
    with connection.cursor() as cursor:
        if connection.features.can_return_columns_from_insert:
            cursor.execute(sql + " RETURNING id", params)
            return cursor.fetchone()[0]
        cursor.execute(sql, params)  # SQLite before 3.35
        return cursor.lastrowid


# Leads are the first 600 characters of the story; the opening 300 carry its who, where and
# how many (more words dilute the vector with a write-up's own colour).
TEXT_CHARS = 300


def opening_text(article: Article, text: str | None = None) -> str:
    """The story's opening without the wire's lead furniture (a caption lead's date stamp and
    agency), with the dateline's place kept: the who, where and how many of the event."""
    opening = article.lead_text if text is None else text
    if article.lead_raw and opening.startswith(article.lead_raw):
        opening = f"{article.dateline_place} {opening[len(article.lead_raw):]}"
    return opening[:TEXT_CHARS]


def item_for(article: Article, *, text: str | None = None) -> clustering.Item:
    """What clustering sees of an article: headline, link, language, day and opening text."""
    opening = opening_text(article, text)
    return clustering.Item.of(title=article.title, url=article.canonical_url, language=clustering_language(article.language),
                              day=epoch_day(article.published_at), text=opening, at=as_days(article.published_at))


def story_seed(story: Story, article: Article) -> None:
    """Give a story an editor made for one article that article's terms (centroid and
    postings), as if clustering had started it."""
    item = item_for(article)
    with cluster_lock(item.language):
        store = DatabaseStore(moment=article.published_at)
        total, df = store.frequencies(item.language, item.weights)
        vector = clustering.vectorize(item, total, df)
        state = clustering.StoryState(story.id, item.language, {}, 0, item.when, item.when)
        store.join(state, vector, item.when, clustering.DEFAULT.centroid_terms)
    story.centroid = state.centroid

"""Online story clustering: which stored story a new article reports, or a new story.

Pure: the state (stories, their term postings, document frequencies) sits behind a ``Store``;
``MemoryStore`` keeps it in dictionaries (the ``wiredesk cluster`` command, tests, benchmarks)
and wiredesk.stories.clusterdb keeps it in the database (the pipeline), so both run this same
code.

An article is a vector of TF-IDF weights over its terms (wiredesk.text.terms), the IDF read from
the document frequencies seen so far in its language. A story is the sum of its members'
normalised vectors (its centroid, pruned to its strongest terms). Candidate stories come from
the postings of the article's strongest terms on days within the window around its day: the
cost of placing an article depends on how many stories share its terms in those days, not on
how many are stored. The score of a candidate is the cosine of the article's vector with the
story's centroid, less ``day_penalty`` per day the article falls outside the story's span. Time
counts in days: two write-ups of one event are not assumed to arrive together. An item's time
is its day (``wiredesk cluster``: the evaluation data's times mean nothing finer) or, in the
pipeline, its publication time in fractional days, so that two write-ups either side of
midnight are minutes apart, not a day.

The best candidate at or above ``threshold`` takes the article. Other candidates the article
also fits whose centroids are close to the chosen one (``merge_threshold``) are the same event
filed twice (two workers at the same moment, or a story that grew towards another): they are
merged into the older one, unless an editor has kept them apart.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Iterable, Protocol

from wiredesk.text.terms import term_weights


@dataclass(frozen=True)
class Params:
    threshold: float = 0.15  # headlines alone (the evaluation file, headline-only items)
    text_threshold: float = 0.35  # headline with the story's opening: more shared words expected
    day_penalty: float = 0.15
    window_days: int = 3
    merge_threshold: float = 0.2
    max_candidates: int = 20
    lookup_terms: int = 8
    centroid_terms: int = 200  # CENTROID_TERMS
    # Headlines alone: the article's numbers are all different from the story's ("3-1", "2-0").
    # Not with opening text, where write-ups of one event quote different figures.
    number_penalty: float = 0.1


DEFAULT = Params()


@dataclass
class StoryState:
    """What scoring needs of a story."""

    id: int
    language: str
    centroid: dict[str, float]
    size: int
    first_day: float  # time of its first and last member, in days since the epoch
    last_day: float
    apart: frozenset[int] = frozenset()


@dataclass(frozen=True)
class Item:
    """One article to place: its language, UTC day and raw term weights; ``at``, its time in
    fractional days when known (else its day)."""

    language: str
    day: int
    weights: dict[str, float]
    has_text: bool = False
    at: float | None = None

    @property
    def when(self) -> float:
        return float(self.day) if self.at is None else self.at

    @classmethod
    def of(cls, *, title: str, url: str = "", language: str = "", day: int, text: str = "",
           at: float | None = None) -> "Item":
        language = (language or "").split("-")[0].lower()
        weights = term_weights(title, url=url, language=language, text=text)
        return cls(language=language, day=day, weights=weights, has_text=bool(text.strip()), at=at)


@dataclass(frozen=True)
class Placement:
    story_id: int
    created: bool
    merged: tuple[int, ...] = ()  # stories merged into story_id
    score: float = 0.0


class Store(Protocol):
    def frequencies(self, language: str, terms: Iterable[str]) -> tuple[int, dict[str, int]]:
        """(documents seen in the language, {term: documents carrying it})."""

    def count(self, language: str, terms: Iterable[str]) -> None:
        """One more document carrying ``terms``."""

    def candidates(self, language: str, terms: list[str], days: range, limit: int) -> list[StoryState]:
        """Live stories posted under any of ``terms`` on ``days``, most shared terms first."""

    def create(self, language: str, vector: dict[str, float], at: float) -> int:
        """A new story of one member at time ``at`` (days); returns its id."""

    def join(self, story: StoryState, vector: dict[str, float], at: float, centroid_terms: int) -> None:
        """Add a member's vector to a story and post its terms on the day of ``at``."""

    def merge(self, into: StoryState, other: StoryState) -> None:
        """File ``other``'s members and postings under ``into``."""


def idf(total: int, df: int) -> float:
    return math.log((total + 1) / (df + 1)) + 1.0


def vectorize(item: Item, total: int, df: dict[str, int]) -> dict[str, float]:
    """The item's L2-normalised TF-IDF vector (the item counted in its own frequencies)."""
    raw = {t: w * idf(total + 1, df.get(t, 0) + 1) for t, w in item.weights.items()}
    norm = math.sqrt(sum(v * v for v in raw.values())) or 1.0
    return {t: v / norm for t, v in raw.items()}


def score(vector: dict[str, float], story: StoryState, at: float, params: Params = DEFAULT, *,
          numbers: bool = True) -> float:
    centroid = story.centroid
    dot = sum(w * centroid.get(t, 0.0) for t, w in vector.items())
    outside = max(0.0, story.first_day - at, at - story.last_day)
    norm = math.sqrt(sum(v * v for v in centroid.values())) or 1.0
    value = dot / norm - params.day_penalty * outside
    if numbers and params.number_penalty:
        mine = {t for t in vector if t[0] == "#"}
        if mine:
            theirs = {t for t in centroid if t[0] == "#"}
            if theirs and not mine & theirs:
                value -= params.number_penalty
    return value


def cosine(a: dict[str, float], b: dict[str, float]) -> float:
    if len(a) > len(b):
        a, b = b, a
    dot = sum(w * b.get(t, 0.0) for t, w in a.items())
    na = math.sqrt(sum(v * v for v in a.values()))
    nb = math.sqrt(sum(v * v for v in b.values()))
    return dot / (na * nb) if na and nb else 0.0


CENTROID_TERMS = 200  # the strongest terms a story's centroid keeps


def add_to_centroid(centroid: dict[str, float], vector: dict[str, float], keep: int = CENTROID_TERMS) -> dict[str, float]:
    """The centroid with one more member's vector (or another story's centroid) added, its
    ``keep`` strongest terms kept (ties by term: the result does not depend on dict order)."""
    out = dict(centroid)
    for t, w in vector.items():
        out[t] = out.get(t, 0.0) + float(w)
    if len(out) > keep:
        out = dict(sorted(out.items(), key=lambda kv: (-kv[1], kv[0]))[:keep])
    return out


def combine_centroids(a: dict[str, float], b: dict[str, float], keep: int = CENTROID_TERMS) -> dict[str, float]:
    """Two stories' centroids as one: both are sums over members, so they add."""
    return add_to_centroid(a, b, keep)


POSTED_TERMS = 24  # a story is posted under each member's strongest terms (lookups use 8)


def posted_terms(vector: dict[str, float]) -> list[str]:
    return lookup_terms(vector, POSTED_TERMS)


def lookup_terms(vector: dict[str, float], n: int) -> list[str]:
    return [t for t, _ in sorted(vector.items(), key=lambda kv: (-kv[1], kv[0]))[:n]]


def place(item: Item, store: Store, params: Params = DEFAULT) -> Placement:
    """File ``item`` in the story it reports (merging stories it shows to be one), or a new one."""
    total, df = store.frequencies(item.language, item.weights)
    vector = vectorize(item, total, df)
    store.count(item.language, item.weights)
    if not vector:
        return Placement(store.create(item.language, vector, item.when), created=True)
    days = range(item.day - params.window_days, item.day + params.window_days + 1)
    found = store.candidates(item.language, lookup_terms(vector, params.lookup_terms), days, params.max_candidates)
    scored = sorted(((score(vector, s, item.when, params, numbers=not item.has_text), s) for s in found), key=lambda p: (-p[0], p[1].id))
    threshold = params.text_threshold if item.has_text else params.threshold
    fitting = [(v, s) for v, s in scored if v >= threshold]
    if not fitting:
        return Placement(store.create(item.language, vector, item.when), created=True)
    best_score, best = fitting[0]
    merged = []
    for _, other in fitting[1:]:
        if other.id in best.apart or best.id in other.apart:  # merges keep these lists current
            continue
        if cosine(best.centroid, other.centroid) >= params.merge_threshold:
            older, newer = (best, other) if best.id < other.id else (other, best)
            store.merge(older, newer)
            merged.append(newer.id)
            best = older
    store.join(best, vector, item.when, params.centroid_terms)
    return Placement(best.id, created=False, merged=tuple(merged), score=best_score)


@dataclass
class MemoryStore:
    """The clustering state in dictionaries: for one run of ``wiredesk cluster`` and for tests."""

    stories: dict[int, StoryState] = field(default_factory=dict)
    postings: dict[tuple[str, str], dict[int, set[int]]] = field(default_factory=dict)
    df: dict[tuple[str, str], int] = field(default_factory=dict)
    docs: dict[str, int] = field(default_factory=dict)
    merged_into: dict[int, int] = field(default_factory=dict)
    posted: dict[int, list[tuple[tuple[str, str], int]]] = field(default_factory=dict)  # story: its postings

    def frequencies(self, language, terms):
        df = self.df
        return self.docs.get(language, 0), {t: df[(language, t)] for t in terms if (language, t) in df}

    def count(self, language, terms):
        self.docs[language] = self.docs.get(language, 0) + 1
        df = self.df
        for t in terms:
            key = (language, t)
            df[key] = df.get(key, 0) + 1

    def candidates(self, language, terms, days, limit):
        hits: dict[int, int] = {}
        for t in terms:
            by_day = self.postings.get((language, t))
            if not by_day:
                continue
            for day in days:
                for story_id in by_day.get(day, ()):
                    hits[story_id] = hits.get(story_id, 0) + 1
        ranked = sorted(hits.items(), key=lambda kv: (-kv[1], -kv[0]))
        out, seen = [], set()
        for story_id, _ in ranked:
            story_id = self.final(story_id)
            if story_id not in seen:
                seen.add(story_id)
                out.append(self.stories[story_id])
                if len(out) >= limit:
                    break
        return out

    def _post(self, story_id, language, vector, day):
        posted = self.posted.setdefault(story_id, [])
        for t in posted_terms(vector):
            key = (language, t)
            self.postings.setdefault(key, {}).setdefault(day, set()).add(story_id)
            posted.append((key, day))

    def create(self, language, vector, at):
        story_id = len(self.stories) + 1
        self.stories[story_id] = StoryState(story_id, language, dict(vector), 1, at, at)
        self._post(story_id, language, vector, math.floor(at))
        return story_id

    def join(self, story, vector, at, centroid_terms):
        story.centroid = add_to_centroid(story.centroid, vector, centroid_terms)
        story.size += 1
        story.first_day, story.last_day = min(story.first_day, at), max(story.last_day, at)
        self._post(story.id, story.language, vector, math.floor(at))

    def merge(self, into, other):
        into.centroid = combine_centroids(into.centroid, other.centroid)
        into.size += other.size
        into.first_day, into.last_day = min(into.first_day, other.first_day), max(into.last_day, other.last_day)
        into.apart = into.apart | other.apart
        self.merged_into[other.id] = into.id
        other.size = 0
        moved = self.posted.pop(other.id, [])
        for key, day in moved:
            ids = self.postings[key][day]
            ids.discard(other.id)
            ids.add(into.id)
        self.posted.setdefault(into.id, []).extend(moved)

    def final(self, story_id: int) -> int:
        """The story a (possibly merged) story now lives in."""
        seen = []
        while story_id in self.merged_into:
            seen.append(story_id)
            story_id = self.merged_into[story_id]
        for s in seen:  # path compression
            self.merged_into[s] = story_id
        return story_id


def lead_rank(body_chars: int, published_at, article_id: int) -> tuple:
    """The lead where no brand's preference applies: the most complete member, then the
    earliest (smaller ranks first)."""
    return (-body_chars, published_at, article_id)


def clustering_language(language: str) -> str:
    """The language stories are compared within ("" for one nobody could tell)."""
    language = (language or "").split("-")[0].lower()
    return "" if language in ("und", "") else language

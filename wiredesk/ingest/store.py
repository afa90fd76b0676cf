"""The store end of a refresh: one article per identity in the feed, written with its index row.

Identity within a source (see wiredesk.stories.dedup): an item's GUID (else its canonical
link). An identity listed twice in one document is one item; the rest are distinct articles,
even when they share a link. Each stored article and its search-index row are written in one
transaction, so an article is never stored without being searchable, whatever stops a refresh.
"""

from __future__ import annotations

import collections
import datetime as dt
import functools
import logging
import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Callable, Iterator
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from wiredesk.core.errors import StorageUnavailable, database_unavailable
from wiredesk.core.http import FetchError, GuardedClient
from wiredesk.core.timelimits import TIME_LIMITS
from wiredesk.ingest.extract import ExtractError, extract_article
from wiredesk.ingest.extract.robots import robots_allows
from wiredesk.ingest.profiles import furniture_learn, furniture_profile
from wiredesk.ingest.normalize import item_guid, item_link, needs_page, normalize
from wiredesk.ingest.types import Decision, NormalizedItem, RawItem, RefreshReport, SourcePolicy
from wiredesk.search.documents import document_for
from wiredesk.search.services import search_index_update, search_index_write
from wiredesk.sources.models import Source
from wiredesk.stories import selectors as story_selectors
from wiredesk.stories.clusterdb import cluster_lock
from wiredesk.stories.dedup import classify, url_match
from wiredesk.stories.models import Article
from wiredesk.stories.services import article_upsert, kill_lookup_for
from wiredesk.stories.services.placing import story_place
from wiredesk.stories.services.takedowns import article_withdraw_under, stories_killed
from wiredesk.text.fingerprint import sha256_hex


log = logging.getLogger("wiredesk.ingest")

ROBOTS_MAX_BYTES = 500 * 1024
PREFETCH = 8  # article pages fetched ahead of the item being processed


def policy_for(source: Source) -> SourcePolicy:
    """The source's licence and mapping as the pure stages see them."""
    return SourcePolicy(
        credit=source.credit,
        home_url=source.home_url,
        full_text=source.licence == Source.Licence.FULL_TEXT,
        section_map=dict(source.section_map or {}),
        default_section=source.default_section or "world",
        language=source.language or None,
    )


def _recency(raw: RawItem) -> dt.datetime | None:
    return raw.updated or raw.published


def distinct_items(items: tuple[RawItem, ...]) -> tuple[list[tuple[str, RawItem]], int]:
    """One item per identity, in feed order, with its identity; and how many were repeats.

    Of the items sharing an identity, the one updated (else published) last wins, as RFC 4287
    section 4.1.1 suggests for Atom entries sharing an id; on a tie the first listed wins
    (feeds list the newest first). So the same document always yields the same item.
    """
    chosen: dict[str, RawItem] = {}
    for raw in items:
        guid = item_guid(raw)
        held = chosen.get(guid)
        if held is None:
            chosen[guid] = raw
            continue
        mine, theirs = _recency(raw), _recency(held)
        if mine is not None and (theirs is None or mine > theirs):
            chosen[guid] = raw
    return [(guid, raw) for guid, raw in chosen.items()], len(items) - len(chosen)


class Robots:
    """robots.txt per host for one refresh or recheck (RFC 9309); feeds themselves are not subject to it."""

    def __init__(self, client: GuardedClient) -> None:
        self.client = client
        self.cache: dict[str, tuple[str | None, int | None]] = {}
        self.lock = threading.Lock()  # page fetches run in a pool: one robots.txt per origin

    def allows(self, url: str) -> bool:
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        with self.lock:
            if origin not in self.cache:
                try:
                    got = self.client.get(f"{origin}/robots.txt", max_bytes=ROBOTS_MAX_BYTES)
                    self.cache[origin] = (got.content.decode("utf-8", "replace"), got.status)
                except FetchError as exc:
                    self.cache[origin] = (None, exc.status)
            text, status = self.cache[origin]
        return robots_allows(robots_txt=text, status=status, url=url, user_agent=settings.FETCH["user_agent"])


@dataclass(frozen=True)
class _Page:
    url: str = ""
    content: bytes = b""
    note: str = ""


def _fetch_page(raw: RawItem, *, client: GuardedClient, robots: Robots) -> _Page:
    """Fetch an item's article page (network only; the CPU work stays on the calling thread)."""
    url = raw.link or ""
    try:
        if not robots.allows(url):
            return _Page(note="page not fetched: disallowed by robots.txt; kept the feed's content")
        page = client.get(url, accept="text/html,application/xhtml+xml")
        return _Page(url=page.url, content=page.content)
    except FetchError as exc:
        return _Page(note=f"page not fetched: {exc.code}: {exc}; kept the feed's content")


def _prepare(raw: RawItem, page: _Page | None, *, policy: SourcePolicy, now: dt.datetime,
             furniture: frozenset[str] = frozenset()) -> tuple[NormalizedItem, frozenset[str]]:
    """Extract the page (when there is one) and normalize the item; also the page's line keys
    (what it teaches the source's furniture profile, if it is a new article)."""
    extracted, note = None, page.note if page else ""
    if page is not None and page.content:
        try:
            extracted = extract_article(page.content, url=page.url, furniture=furniture)
        except ExtractError as exc:
            note = f"extraction failed: {exc.code}: {exc}; kept the feed's content"
        else:
            if extracted.furniture_removed:
                note = f"{extracted.furniture_removed} line(s) of the source's page furniture taken out"
    item = normalize(raw, policy=policy, now=now, extracted=extracted, notes=(note,) if note else ())
    return item, extracted.lines if extracted is not None else frozenset()


def _pages_ahead(todo: list[RawItem], wanted: Callable[[RawItem], bool], fetch: Callable[[RawItem], _Page]) -> Iterator[_Page | None]:
    """Yield each item's page in order while a small pool fetches the next few in the background.

    Only network waits run in the pool (bounded like the per-host limit); extraction, which is
    CPU work, stays on the consuming thread so threads never queue for the GIL behind it.
    """
    pool = ThreadPoolExecutor(max_workers=max(1, settings.FETCH["per_host"]))
    try:
        window: collections.deque = collections.deque()
        upcoming = iter(todo)

        def top_up() -> None:
            while len(window) < PREFETCH:
                raw = next(upcoming, None)
                if raw is None:
                    return
                window.append(pool.submit(fetch, raw) if wanted(raw) else None)

        top_up()
        while window:
            future = window.popleft()
            top_up()
            yield future.result() if future is not None else None
    finally:  # a refresh that stops early (a time limit) neither waits for nor fetches pages it will not use
        pool.shutdown(wait=False, cancel_futures=True)


@dataclass(frozen=True)
class _Ready:
    """An item prepared and decided on, waiting to be written."""

    raw: RawItem
    item: NormalizedItem
    decision: Decision


def _write(batch: list[_Ready], *, source_id: int, report: "RefreshReport") -> None:
    """Store a batch of items and their index rows in one transaction: stored means searchable.

    Each item has a savepoint of its own, so one bad item never stops the others; the index
    rows are written together (FTS5 writes a segment per transaction: one per item cost ~2.5x
    the indexing time). Should the index write fail (a full disk), none of the batch is kept
    and the next fetch stores it again. A batch that two workers' transactions deadlocked on
    (PostgreSQL chose it to roll back) is written again from the start, a few times at most.
    """
    for attempt in range(1, WRITE_ATTEMPTS + 1):
        try:
            done, failed = _write_once(batch, source_id=source_id)
        except TIME_LIMITS:
            raise
        except Exception as exc:
            if _retryable(exc) and attempt < WRITE_ATTEMPTS:
                log.warning("write batch rolled back, writing it again source_id=%s attempt=%s error=%s",
                            source_id, attempt, _first_line(exc))
                time.sleep(random.uniform(0.05, 0.25) * attempt)  # two victims of one tangle do not meet again at once
                continue
            if database_unavailable(exc):
                # Nothing of the batch was kept (one transaction); the refresh stops here rather than
                # fetch pages it cannot store, and the next poll fetches them again.
                raise StorageUnavailable(_first_line(exc)) from exc
            report.failed_items += len(batch)
            report.batch_lost = True
            log.exception("items not stored source_id=%s count=%s error=%s", source_id, len(batch), exc)
            return
        report.failed_items += failed
        report.new += done.count("new")
        report.updated += done.count("updated")
        report.unchanged += done.count("unchanged")
        return


WRITE_ATTEMPTS = 3


def _first_line(exc: BaseException) -> str:
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__
_RETRYABLE_SQLSTATES = {"40P01", "40001"}  # deadlock detected, serialization failure


def _retryable(exc: BaseException) -> bool:
    """A transaction the server rolled back to break a deadlock (or a serialization failure):
    running it again is the documented remedy."""
    cause = exc.__cause__ or exc
    return getattr(cause, "sqlstate", None) in _RETRYABLE_SQLSTATES


def _write_once(batch: list[_Ready], *, source_id: int) -> tuple[list[str], int]:
    """One attempt at a batch: what each item came to, and how many items failed.

    The order keeps the clustering lock short and taken in one order everywhere. Placement
    takes it (stories/clusterdb) and a transaction holds it until it commits, so every
    worker's placements wait for it. First the new articles and their index rows, without it:
    rows no other transaction can see, so no one waits for them. Then, where the batch will
    place anything (a new article, or an updated one still without a story), the lock,
    before any stored article's row is locked by an update: editors' merges and splits take
    them in that order (the lock, then article rows), so the two cannot deadlock. Then the
    updates and their index rows, and placement last.
    """
    done: list[str] = []
    failed = 0
    with transaction.atomic():
        stored: dict[int, Article] = {}  # batch position -> article, live
        gone: dict[int, Article] = {}  # live articles this batch withdrew
        # The kills that remember any of the batch's copies: one read for the batch.
        kills = kill_lookup_for(r.item for r in batch if r.decision.action != "unchanged")

        def upsert(position: int) -> Article | None:
            nonlocal failed
            ready = batch[position]
            try:
                with transaction.atomic():
                    article, action = article_upsert(item=ready.item, source_id=source_id, decision=ready.decision,
                                                     kills=kills)
            except TIME_LIMITS:
                raise
            except Exception as exc:  # one bad item never stops the others...
                if database_unavailable(exc) or _retryable(exc):  # ...but a full disk stops them all
                    raise
                failed += 1
                log.exception("item failed source_id=%s guid=%r error=%s", source_id, ready.raw.guid, exc)
                return None
            done.append(action)
            if article is None:
                return None
            if article.withdrawn_at is None:
                stored[position] = article
                return article
            if action == "updated":  # a live copy updated into a killed text: its index row goes
                gone[article.id] = article
            # (a killed copy come back new is stored withdrawn, in no story and not searchable)
            return None

        news = [i for i, r in enumerate(batch) if r.decision.action == "new"]
        updates = [i for i, r in enumerate(batch) if r.decision.action not in ("new", "unchanged")]
        for position in [i for i, r in enumerate(batch) if r.decision.action == "unchanged"]:
            upsert(position)
        _index([(a, batch[i]) for i in news if (a := upsert(i)) is not None])
        if updates:
            if stored or _storyless(batch[i].decision.article_id for i in updates):
                with cluster_lock():  # held to commit
                    pass
            _index([(a, batch[i]) for i in updates if (a := upsert(i)) is not None])
        ready_stored = [(stored[i], batch[i]) for i in sorted(stored)]  # the feed's order: originals before copies
        for article, ready in ready_stored:
            if article.story_id is None:
                _place(article, ready.item)
        # A new report of a story an editor killed whole goes with it (one read per batch), and
        # its index row with it.
        killed = stories_killed(story_ids={a.story_id for a, _ in ready_stored if a.story_id is not None})
        for article, _ in ready_stored:
            if article.story_id in killed:
                article_withdraw_under(article=article, takedown=killed[article.story_id], at=timezone.now())
                gone[article.id] = article
        search_index_update(article_ids=gone)
    return done, failed


def _index(written: list[tuple[Article, _Ready]]) -> None:
    """The index rows of live articles just written, from the text normalize worked out (not
    read back and converted again); but where an editor's version stands, the source's (held)
    text is not what readers see, and words the editor took out must not find the article."""
    search_index_write(documents=[
        document_for(id=article.id, title=article.title, body_html=article.body_html, lead_text=article.lead_text,
                     body_text=None if article.editor_version else ready.item.text,
                     published_at=article.published_at)
        for article, ready in written
    ])


def _storyless(article_ids) -> bool:
    """Whether any of these stored articles is live without a story (its placement failed
    earlier): updating it means placing it."""
    return Article.objects.filter(id__in=list(article_ids), story__isnull=True, story_pinned=False,
                                  withdrawn_at__isnull=True).exists()


def _place(article, item: NormalizedItem) -> None:
    """The clustering stage, in a savepoint of its own: an article whose placement fails stays
    stored (without a story until ``wiredesk stories_backfill``)."""
    try:
        story_place(article=article, text=item.lead_text)  # a savepoint of its own
    except TIME_LIMITS:
        raise
    except Exception as exc:
        if _retryable(exc):  # a deadlock: the whole batch is written again
            raise
        log.exception("story placement failed article_id=%s error=%s", article.id, exc)


WRITE_BATCH = 50  # prepared items stored (and indexed) in one transaction
WRITE_WAIT = 2.0  # seconds a prepared item waits at most for its batch to fill


@dataclass
class _Stored:
    """What the store holds for one feed's items, looked up once per refresh: the stored
    articles their identities and links name, and the ones an item of this feed has already
    claimed (no two items of one document update the same article)."""

    by_guid: dict
    guid_keys: set[str]
    by_url: dict = field(default_factory=dict)
    taken: set[int] = field(default_factory=set)

    def decide(self, item: NormalizedItem, *, source_id: int) -> Decision:
        """Dedup's decision for one prepared item: the stored article its identity, its link or
        its content names, if any."""
        by_guid = self.by_guid.get(sha256_hex(item.guid))
        decision = classify(
            item,
            by_guid=by_guid,
            by_url=None if by_guid is not None or not item.canonical_url else url_match(
                self.by_url.get(sha256_hex(item.canonical_url), ()), guid_keys=self.guid_keys, taken=self.taken),
            same_content=story_selectors.candidate_same_content(source_id=source_id, fingerprint=item.fingerprint),
        )
        if decision.article_id is not None:
            self.taken.add(decision.article_id)
        return decision


def _changed(source: Source, items: tuple[RawItem, ...], *,
             report: "RefreshReport") -> tuple[list[RawItem], _Stored]:
    """The feed's items that are new or changed, and what the store holds for them. An item
    repeated in the feed is kept once; one whose bytes are those stored last time is counted
    unchanged (no page fetch, no write)."""
    distinct, repeats = distinct_items(items)
    if repeats:
        report.notes.append(f"{repeats} items repeated an identity already listed in the feed; one of each was kept")
    guid_keys = {sha256_hex(guid) for guid, _ in distinct}
    stored = _Stored(by_guid=story_selectors.candidates_by_guid(source_id=source.id, guid_keys=guid_keys),
                     guid_keys=guid_keys)
    todo: list[RawItem] = []
    for guid, raw in distinct:
        known = stored.by_guid.get(sha256_hex(guid))
        if known is not None and known.raw_hash == raw.raw_hash:
            report.unchanged += 1
        else:
            todo.append(raw)
    if todo:
        # The canonical link is known before normalizing, so one query finds every URL match.
        stored.by_url = story_selectors.candidates_by_url(
            source_id=source.id, url_keys=[sha256_hex(link) for link in map(item_link, todo) if link])
    return todo, stored


@dataclass
class _Batches:
    """Prepared items written a batch at a time: WRITE_BATCH of them, or whatever waited
    WRITE_WAIT seconds (readers see a long refresh's stories land as it goes)."""

    source_id: int
    report: "RefreshReport"
    pending: list = field(default_factory=list)
    oldest: float = 0.0

    def add(self, ready: _Ready) -> None:
        if not self.pending:
            self.oldest = time.monotonic()
        self.pending.append(ready)
        if len(self.pending) >= WRITE_BATCH or time.monotonic() - self.oldest >= WRITE_WAIT:
            self.flush()

    def flush(self) -> None:
        batch, self.pending = self.pending, []
        if batch:
            _write(batch, source_id=self.source_id, report=self.report)


def store_items(source: Source, items: tuple[RawItem, ...], *, client: GuardedClient, now: dt.datetime,
                report: "RefreshReport") -> None:
    """Store what is new or changed among a feed's items; count what happened in ``report``.

    The stages, in order: what changed (and what the store holds for it), the article pages
    fetched ahead where the feed has no body, then per item normalize (and extract) and the
    dedup decision, written a batch at a time."""
    policy = policy_for(source)
    todo, stored = _changed(source, items, report=report)
    if not todo:
        return
    pages = _pages_ahead(
        todo,
        wanted=lambda raw: needs_page(raw, policy, always=source.fetch_full_text),
        fetch=functools.partial(_fetch_page, client=client, robots=Robots(client)),
    )
    batches = _Batches(source_id=source.id, report=report)
    furniture = furniture_profile(source_id=source.id).furniture()
    teaching: dict[frozenset[str], str] = {}  # a new article's lines -> its GUID (one page once)
    try:
        for raw, page in zip(todo, pages):
            try:
                item, lines = _prepare(raw, page, policy=policy, now=now, furniture=furniture)
                decision = stored.decide(item, source_id=source.id)
                if lines and decision.action == "new":
                    teaching.setdefault(lines, item.guid)
            except TIME_LIMITS:
                raise
            except Exception as exc:  # one bad item never stops the others
                report.failed_items += 1
                log.exception("item failed source_id=%s guid=%r error=%s", source.id, raw.guid, exc)
                continue
            batches.add(_Ready(raw=raw, item=item, decision=decision))
    finally:
        pages.close()
        batches.flush()  # what was prepared is stored even when a time limit ends the refresh here
    if teaching:
        _teach(source.id, teaching)


def _teach(source_id: int, teaching: dict[frozenset[str], str]) -> None:
    """Teach the source's furniture profile the lines of the new articles that were stored.

    After the refresh's work and outside it: a failure here is logged and costs only this
    lesson, never the refresh's outcome (its validators, its status)."""
    try:
        keys = {lines: sha256_hex(guid) for lines, guid in teaching.items()}
        stored = story_selectors.candidates_by_guid(source_id=source_id, guid_keys=keys.values())
        pages = [lines for lines, key in keys.items() if key in stored]
        if pages:
            furniture_learn(source_id=source_id, pages=pages)
    except TIME_LIMITS:
        raise
    except Exception as exc:
        log.warning("furniture profile not taught source_id=%s error=%s", source_id, exc)

"""source_refresh: the one orchestrator every front door calls (scheduler, CLI, admin).

fetch -> parse -> [fetch page -> extract] -> normalize -> dedup -> store (one transaction per
item). The stages in the middle are pure; this module holds the I/O at both ends.
"""

from __future__ import annotations

import collections
import datetime as dt
import functools
import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Callable, Iterator
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from wiredesk.core.generation import changes_batched
from wiredesk.core.http import FetchError, GuardedClient, client_from_settings
from wiredesk.ingest import schedule
from wiredesk.ingest.extract import ExtractError, extract_article
from wiredesk.ingest.extract.robots import robots_allows
from wiredesk.ingest.formats import ParseError, parse_feed
from wiredesk.ingest.normalize import item_guid, item_link, needs_page, normalize
from wiredesk.ingest.types import NormalizedItem, RawItem, SourcePolicy
from wiredesk.search.documents import Document, document_for
from wiredesk.search.services import search_index_write
from wiredesk.sources.models import Source
from wiredesk.stories import selectors as story_selectors
from wiredesk.stories.dedup import Candidate, classify
from wiredesk.stories.services import article_upsert
from wiredesk.text.fingerprint import sha256_hex

log = logging.getLogger("wiredesk.ingest")

ROBOTS_MAX_BYTES = 500 * 1024
LEASE = dt.timedelta(minutes=10)


@dataclass
class RefreshReport:
    source_id: int
    status: str = "ok"  # ok | not_modified | error | skipped
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    failed_items: int = 0
    error: str = ""
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "source_id": self.source_id,
            "status": self.status,
            "new": self.new,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "failed_items": self.failed_items,
            "error": self.error,
        }


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


def _bounds(source: Source) -> schedule.Bounds:
    low = source.min_interval_seconds or settings.POLL["min_seconds"]
    return schedule.Bounds(min_seconds=float(low), max_seconds=float(max(low, settings.POLL["max_seconds"])))


class _Robots:
    """robots.txt per host for one refresh (RFC 9309); feeds themselves are not subject to it."""

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


PREFETCH = 8  # article pages fetched ahead of the item being processed
INDEX_BATCH = 50  # stored articles indexed for search together


@dataclass(frozen=True)
class _Page:
    url: str = ""
    content: bytes = b""
    note: str = ""


def _fetch_page(raw: RawItem, *, client: GuardedClient, robots: _Robots) -> _Page:
    """Fetch an item's article page (network only; the CPU work stays on the calling thread)."""
    url = raw.link or ""
    try:
        if not robots.allows(url):
            return _Page(note="page not fetched: disallowed by robots.txt; kept the feed's content")
        page = client.get(url, accept="text/html,application/xhtml+xml")
        return _Page(url=page.url, content=page.content)
    except FetchError as exc:
        return _Page(note=f"page not fetched: {exc.code}: {exc}; kept the feed's content")


def _prepare(raw: RawItem, page: _Page | None, *, policy: SourcePolicy, now: dt.datetime) -> NormalizedItem:
    """Extract the page (when there is one) and normalize the item."""
    extracted, note = None, page.note if page else ""
    if page is not None and page.content:
        try:
            extracted = extract_article(page.content, url=page.url)
        except ExtractError as exc:
            note = f"extraction failed: {exc.code}: {exc}; kept the feed's content"
    return normalize(raw, policy=policy, now=now, extracted=extracted, notes=(note,) if note else ())


def _pages_ahead(todo: list[RawItem], wanted: Callable[[RawItem], bool], fetch: Callable[[RawItem], _Page]) -> Iterator[_Page | None]:
    """Yield each item's page in order while a small pool fetches the next few in the background.

    Only network waits run in the pool (bounded like the per-host limit); extraction, which is
    CPU work, stays on the consuming thread so threads never queue for the GIL behind it.
    """
    with ThreadPoolExecutor(max_workers=max(1, settings.FETCH["per_host"])) as pool:
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


def _store_items(source: Source, items: tuple[RawItem, ...], client: GuardedClient, now: dt.datetime, report: RefreshReport) -> None:
    policy = policy_for(source)
    guids = {id(raw): item_guid(raw) for raw in items}
    known = story_selectors.candidates_by_guid(
        source_id=source.id, guid_keys=[sha256_hex(g) for g in guids.values()]
    )
    todo: list[RawItem] = []
    for raw in items:
        stored = known.get(sha256_hex(guids[id(raw)]))
        if stored is not None and stored.raw_hash == raw.raw_hash:
            report.unchanged += 1  # same bytes as last time: no page fetch, no write
        else:
            todo.append(raw)
    if not todo:
        return
    # The canonical link is known before normalizing, so one query finds every URL match.
    by_url = story_selectors.candidates_by_url(
        source_id=source.id, url_keys=[sha256_hex(link) for link in map(item_link, todo) if link]
    )
    robots = _Robots(client)
    pages = _pages_ahead(
        todo,
        wanted=lambda raw: needs_page(raw, policy, always=source.fetch_full_text),
        fetch=functools.partial(_fetch_page, client=client, robots=robots),
    )
    to_index: list[Document] = []
    try:
        _store_loop(source, todo, pages, policy=policy, now=now, known=known, by_url=by_url, to_index=to_index, report=report)
    finally:  # what was stored is searchable, even when the refresh stops half-way
        search_index_write(to_index)


def _store_loop(
    source: Source, todo: list[RawItem], pages: Iterator["_Page | None"], *, policy: SourcePolicy, now: dt.datetime,
    known: dict[str, Candidate], by_url: dict[str, Candidate], to_index: list[Document], report: RefreshReport,
) -> None:
    """Prepare, classify and store each item in order; count what happened."""
    for raw, page in zip(todo, pages):
        try:
            item = _prepare(raw, page, policy=policy, now=now)
            decision = classify(
                item,
                by_guid=known.get(sha256_hex(item.guid)),
                by_url=by_url.get(sha256_hex(item.canonical_url)) if item.canonical_url else None,
                same_content=story_selectors.candidate_same_content(source_id=source.id, fingerprint=item.fingerprint),
            )
            article, action = article_upsert(item=item, source_id=source.id, decision=decision)
            if article is not None:  # later items of this same feed see it, too
                # Indexed from the text normalize worked out, not read back and converted again.
                to_index.append(document_for(id=article.id, title=article.title, lead_text=article.lead_text,
                                             body_text=item.text))
                if len(to_index) >= INDEX_BATCH:
                    search_index_write(to_index)
                    to_index.clear()
                stored = Candidate(id=article.id, raw_hash=item.raw_hash, fingerprint=item.fingerprint, title=item.title)
                known[sha256_hex(item.guid)] = stored
                if item.canonical_url:
                    by_url[sha256_hex(item.canonical_url)] = stored
        except Exception as exc:  # one bad item never stops the others
            report.failed_items += 1
            log.exception("item failed source_id=%s guid=%r error=%s", source.id, raw.guid, exc)
            continue
        if action == "new":
            report.new += 1
        elif action == "updated":
            report.updated += 1
        else:
            report.unchanged += 1


def _record_failure(source: Source, exc: Exception, *, code: str, now: dt.datetime, report: RefreshReport) -> None:
    bounds = _bounds(source)
    message = f"{code}: {exc}"[:2000]
    errors = source.consecutive_errors + 1
    changes = {
        "consecutive_errors": errors,
        "last_error": message,
        "last_error_at": now,
        "last_checked_at": now,
        "last_status": getattr(exc, "status", None),
        "lease_until": None,
    }
    if code == "gone":
        changes.update(enabled=False, paused_reason=f"paused: the feed answered 410 Gone at {now:%Y-%m-%d %H:%M} UTC")
        wait = bounds.max_seconds
    elif code == "rate_limited":
        wait = schedule.interval_after_retry_after(retry_after=getattr(exc, "retry_after", None), bounds=bounds)
    else:
        wait = schedule.interval_after_error(consecutive_errors=errors, bounds=bounds)
    changes["next_check_at"] = now + dt.timedelta(seconds=wait)
    Source.objects.filter(id=source.id).update(**changes)
    report.status, report.error = "error", message
    log.warning("source failed source_id=%s code=%s errors=%s next_in=%ds", source.id, code, errors, wait)


def _previous_interval(source: Source, now: dt.datetime) -> float | None:
    """How long the source was left alone before this poll: the longer of the time since the
    last poll and the interval then planned (a "refresh now" in between does not shrink it)."""
    if source.last_checked_at is None:
        return None
    planned = (source.next_check_at - source.last_checked_at).total_seconds() if source.next_check_at else 0.0
    return max((now - source.last_checked_at).total_seconds(), planned)


def _record_success(source: Source, *, now: dt.datetime, fetched, ttl: int | None, not_modified: bool) -> None:
    bounds = _bounds(source)
    published = story_selectors.recent_publication_times(source_id=source.id)
    wait = schedule.interval_after_success(
        published=published, bounds=bounds, now=now, previous=_previous_interval(source, now), ttl_seconds=ttl,
    )
    changes = {
        "consecutive_errors": 0,
        "last_error": "",
        "last_checked_at": now,
        "last_success_at": now,
        "last_status": fetched.status,
        "next_check_at": now + dt.timedelta(seconds=wait),
        "lease_until": None,
    }
    if not not_modified:
        # Stored verbatim and sent back verbatim (RFC 9110 13.1): only replaced when present.
        changes["etag"] = (fetched.etag or "")[:500]
        changes["last_modified"] = (fetched.last_modified or "")[:100]
    moved = fetched.permanent_url
    if moved and moved != source.feed_url and not Source.objects.filter(feed_url=moved).exists():
        changes["feed_url"] = moved
    Source.objects.filter(id=source.id).update(**changes)


def source_refresh(*, source_id: int, client: GuardedClient | None = None, now: dt.datetime | None = None) -> RefreshReport:
    """Poll one source and store what is new or changed; never raises for a bad feed."""
    report = RefreshReport(source_id=source_id)
    source = Source.objects.filter(id=source_id).first()
    if source is None or not source.enabled:
        report.status = "skipped"
        return report
    client = client or client_from_settings()
    now = now or timezone.now()
    try:
        with changes_batched():  # one new page generation per few seconds, not per item
            return _refresh(source, client=client, now=now, report=report)
    except Exception as exc:  # a bug or a time limit must not kill the worker or hide the source
        log.exception("source refresh crashed source_id=%s", source.id)
        _record_failure(source, exc, code="internal_error", now=now, report=report)
        return report


def _refresh(source: Source, *, client: GuardedClient, now: dt.datetime, report: RefreshReport) -> RefreshReport:
    try:
        fetched = client.get(
            source.feed_url,
            etag=source.etag or None,
            last_modified=source.last_modified or None,
            accept="application/rss+xml, application/atom+xml, application/feed+json, application/xml;q=0.9, */*;q=0.5",
        )
    except FetchError as exc:
        _record_failure(source, exc, code=exc.code, now=now, report=report)
        return report
    if fetched.not_modified:
        # RFC 9110 15.4.5: nothing changed upstream, so nothing is parsed or written.
        _record_success(source, now=now, fetched=fetched, ttl=None, not_modified=True)
        report.status = "not_modified"
        log.info("source not modified source_id=%s", source.id)
        return report
    try:
        feed = parse_feed(
            fetched.content,
            url=fetched.url,
            content_type=fetched.content_type,
            charset=fetched.charset,
            declared_format=source.format,
        )
    except ParseError as exc:
        _record_failure(source, exc, code=exc.code, now=now, report=report)
        return report
    _store_items(source, feed.items, client, now, report)
    with transaction.atomic():
        _record_success(source, now=now, fetched=fetched, ttl=feed.ttl_seconds, not_modified=False)
    report.notes.extend(feed.warnings)
    log.info(
        "source refreshed source_id=%s new=%s updated=%s unchanged=%s failed=%s",
        source.id, report.new, report.updated, report.unchanged, report.failed_items,
    )
    return report


def source_lease(*, source_id: int, now: dt.datetime) -> bool:
    """Claim a due source for one refresh; False when another scheduler already did."""
    claimed = (
        Source.objects.filter(id=source_id, enabled=True)
        .exclude(lease_until__gt=now)
        .update(lease_until=now + LEASE)
    )
    return claimed == 1

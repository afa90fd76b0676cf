"""Adding a source by URL: fetch it, and when it is a home page, follow its advertised feeds;
and the preview of what it would publish, before it is saved."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from urllib.parse import urlsplit

from wiredesk.core.http import FetchError, GuardedClient, client_from_settings
from wiredesk.ingest.formats import ParseError, discover_feeds, parse_feed
from wiredesk.ingest.normalize import needs_page, normalize
from wiredesk.ingest.types import ParsedFeed, SourcePolicy
from wiredesk.sources.models import Source
from wiredesk.text.urls import is_http_url


class SourceError(ValueError):
    """A source could not be added; the message says why."""


@dataclass(frozen=True)
class Found:
    feed_url: str
    title: str
    home_url: str
    format: str


def feed_find(*, url: str, client: GuardedClient | None = None) -> Found:
    """The feed at ``url``, or the first feed a home page advertises with <link rel=alternate>.

    The feed URL kept is the one asked for unless every redirect to the feed was permanent
    (``Fetched.stored_url``): a temporary redirect's target is not the feed's address.
    Relative links of a home page resolve against where the page really came from.
    """
    return _discover(url, client or client_from_settings())[0]


def _discover(url: str, client: GuardedClient) -> tuple[Found, ParsedFeed, float]:
    """feed_find, with the parsed feed and how long its answer took (the test fetch)."""
    if not is_http_url(url):
        raise SourceError(f"{url!r} is not an http(s) URL")
    try:
        got = client.get(url)
        try:
            feed = parse_feed(got.content, url=got.url, content_type=got.content_type, charset=got.charset)
            found = Found(feed_url=got.stored_url, title=feed.title, home_url=feed.home_url or "", format=feed.format)
            return found, feed, got.elapsed
        except ParseError as not_a_feed:
            candidates = discover_feeds(got.content, base_url=got.url)
            if not candidates:
                raise SourceError(
                    f"{url} is not a feed ({not_a_feed.code}: {not_a_feed}) and advertises no feed"
                ) from None
        reasons = []
        for candidate_url, _type, _title in candidates:
            try:
                page = client.get(candidate_url)
                feed = parse_feed(page.content, url=page.url, content_type=page.content_type, charset=page.charset)
            except (FetchError, ParseError) as exc:
                reasons.append(f"{candidate_url}: {getattr(exc, 'code', type(exc).__name__)}")
                continue
            found = Found(
                feed_url=page.stored_url, title=feed.title, home_url=feed.home_url or got.stored_url, format=feed.format
            )
            return found, feed, page.elapsed
        raise SourceError(f"none of the {len(candidates)} feeds advertised by {url} could be read "
                          f"({'; '.join(reasons[:3])})")
    except FetchError as exc:
        raise SourceError(f"could not fetch {url}: {exc.code}: {exc}") from exc


@dataclass(frozen=True)
class PreviewItem:
    title: str
    link: str
    published: dt.datetime
    section: str
    categories: tuple[str, ...]
    images: tuple[str, ...]
    excerpt: str
    from_page: bool  # the feed carries a summary only: the text would come from the page


@dataclass(frozen=True)
class Preview:
    found: Found
    items: tuple[PreviewItem, ...]  # the first few, as they would be published
    total: int  # items in the feed
    seconds: float  # how long the feed took to answer
    language: str
    categories: tuple[str, ...]  # the feed's categories, most used first, for the section map
    warnings: tuple[str, ...]


def source_preview(*, url: str, client: GuardedClient | None = None, now: dt.datetime | None = None,
                   limit: int = 10, section_map: dict[str, str] | None = None,
                   default_section: str = "world") -> Preview:
    """What a source at ``url`` would publish, before it is saved: autodiscovery, one test
    fetch of the feed and the pure normalize stage over its first ``limit`` items (no page is
    fetched, nothing is stored)."""
    found, feed, seconds = _discover(url, client or client_from_settings())
    now = now or dt.datetime.now(dt.timezone.utc)
    policy = SourcePolicy(credit=found.title or "preview", home_url=found.home_url,
                          section_map=dict(section_map or {}), default_section=default_section,
                          language=feed.language)
    items = []
    for raw in feed.items[:limit]:
        item = normalize(raw, policy=policy, now=now)
        items.append(PreviewItem(
            title=item.title, link=item.canonical_url, published=item.published, section=item.section,
            categories=raw.categories, images=tuple(image.url for image in item.images),
            excerpt=item.lead_text[:300], from_page=needs_page(raw, policy, always=False)))
    counts = Counter(c.strip() for raw in feed.items for c in raw.categories if c.strip())
    return Preview(found=found, items=tuple(items), total=len(feed.items), seconds=seconds,
                   language=feed.language or "", categories=tuple(c for c, _n in counts.most_common(20)),
                   warnings=tuple(feed.warnings))


def source_add(*, url: str, name: str = "", credit: str = "", client: GuardedClient | None = None) -> Source:
    """Add a source from a feed or home-page URL (autodiscovery), refusing duplicates."""
    found = feed_find(url=url, client=client)
    if Source.objects.filter(feed_url=found.feed_url).exists():
        raise SourceError(f"{found.feed_url} is already a source")
    title = name or found.title or urlsplit(found.feed_url).hostname or found.feed_url
    return Source.objects.create(
        name=title[:200],
        credit=(credit or found.title or urlsplit(found.feed_url).hostname or "source")[:120],
        home_url=found.home_url[:2000],
        feed_url=found.feed_url,
        format=found.format if found.format in Source.Format.values else Source.Format.AUTO,
    )

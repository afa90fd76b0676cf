"""Adding a source by URL: fetch it, and when it is a home page, follow its advertised feeds."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from wiredesk.core.http import FetchError, GuardedClient, client_from_settings
from wiredesk.ingest.formats import ParseError, discover_feeds, parse_feed
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
    if not is_http_url(url):
        raise SourceError(f"{url!r} is not an http(s) URL")
    client = client or client_from_settings()
    try:
        got = client.get(url)
        try:
            feed = parse_feed(got.content, url=got.url, content_type=got.content_type, charset=got.charset)
            return Found(feed_url=got.stored_url, title=feed.title, home_url=feed.home_url or "", format=feed.format)
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
            return Found(
                feed_url=page.stored_url, title=feed.title, home_url=feed.home_url or got.stored_url, format=feed.format
            )
        raise SourceError(f"none of the {len(candidates)} feeds advertised by {url} could be read "
                          f"({'; '.join(reasons[:3])})")
    except FetchError as exc:
        raise SourceError(f"could not fetch {url}: {exc.code}: {exc}") from exc


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

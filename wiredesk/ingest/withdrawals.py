"""A source's own withdrawals: a story the source took down is taken down here too, or put in
front of an editor, as the source's ``withdrawals`` setting says.

Two signals. The feed marks an item deleted (an Atom tombstone, RFC 6721), read on every
refresh. Or the source's article page answers 404 or 410 when it is checked again: each
article younger than RECHECK_HOURS has its page fetched again at most every
RECHECK_EVERY_HOURS, RECHECK_PER_TICK pages per scheduler tick in all, through the guarded
client and robots.txt like every other fetch. Any other answer (an error, a time-out, a 5xx)
says nothing and is tried again later.

Following means a takedown by the source (stories.services.takedowns): the copy leaves every
surface and stays dead if the feed sends it again; an editor can undo it like any kill.
Flagging sets ``gone_upstream_at``, which the admin lists ("Gone at the source").
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Iterable

from django.db import transaction
from django.db.models import F, Q

from wiredesk.core.http import FetchError, GuardedClient, client_from_settings
from wiredesk.core.timelimits import TIME_LIMITS
from wiredesk.ingest.store import Robots
from wiredesk.search.services import search_index_update
from wiredesk.sources.models import Source
from wiredesk.stories.models import Article
from wiredesk.stories.services.takedowns import takedown_create
from wiredesk.text.fingerprint import sha256_hex

log = logging.getLogger("wiredesk.ingest")

RECHECK_HOURS = 48
RECHECK_EVERY_HOURS = 6
RECHECK_PER_TICK = 20
GONE = (404, 410)


def article_gone_upstream(*, article: Article, source: Source, now: dt.datetime, how: str) -> bool:
    """Record that the source withdrew ``article``; withdraw our copy if the source's setting
    says so. False when it was already recorded (nothing done twice)."""
    with transaction.atomic():
        marked = Article.objects.filter(id=article.id, gone_upstream_at__isnull=True).update(gone_upstream_at=now)
        if not marked:
            return False
        # Read again under the write: an editor may have killed it while its page was fetched.
        live = Article.objects.filter(id=article.id, withdrawn_at__isnull=True).exists()
        followed = source.withdrawals == Source.Withdrawals.FOLLOW and live
        if followed:
            # With every stored copy of its text, as an editor's kill would; in the audit log.
            takedown = takedown_create(article_ids=[article.id], named=article, at=now,
                                       reason=f"withdrawn by {source.name}: {how}", by=f"source: {source.name}"[:150])
            search_index_update(article_ids=takedown.articles.values_list("id", flat=True))
    log.info("withdrawn upstream source_id=%s article_id=%s followed=%s how=%s", source.id, article.id, followed, how)
    return True


def articles_gone_upstream(*, source: Source, guids: Iterable[str], now: dt.datetime, how: str) -> int:
    """The stored articles of ``source`` with these GUIDs, recorded as withdrawn by it."""
    keys = [sha256_hex(g) for g in guids]
    done = 0
    for article in Article.objects.filter(source=source, guid_key__in=keys, gone_upstream_at__isnull=True):
        done += article_gone_upstream(article=article, source=source, now=now, how=how)
    return done


@dataclass
class RecheckReport:
    checked: int = 0
    gone: int = 0
    unanswered: int = 0


def articles_recheck(*, now: dt.datetime, client: GuardedClient | None = None,
                     limit: int = RECHECK_PER_TICK) -> RecheckReport:
    """Fetch again the pages of recent articles that are due a check; record those gone."""
    due = (
        Article.objects.filter(
            withdrawn_at__isnull=True, gone_upstream_at__isnull=True, source__enabled=True,
            source__kind=Source.Kind.WIRE, published_at__gte=now - dt.timedelta(hours=RECHECK_HOURS),
        )
        .exclude(canonical_url="")
        .filter(Q(rechecked_at__isnull=True) | Q(rechecked_at__lt=now - dt.timedelta(hours=RECHECK_EVERY_HOURS)))
        .select_related("source")
        .order_by(F("rechecked_at").asc(nulls_first=True), "-published_at", "id")[:limit]
    )
    report = RecheckReport()
    client = client or client_from_settings()
    robots = Robots(client)
    for article in due:
        Article.objects.filter(id=article.id).update(rechecked_at=now)
        report.checked += 1
        status = _status(article.canonical_url, client=client, robots=robots)
        if status in GONE:
            report.gone += article_gone_upstream(article=article, source=article.source, now=now,
                                                 how=f"its page answers {status}")
        elif status is None:
            report.unanswered += 1
    return report


def _status(url: str, *, client: GuardedClient, robots: Robots) -> int | None:
    """The status the page answers (None: no answer, or robots.txt says not to ask)."""
    if not robots.allows(url):
        return None
    try:
        return client.get(url, accept="text/html,application/xhtml+xml").status
    except TIME_LIMITS:
        raise
    except FetchError as exc:
        return exc.status

"""Writes of articles: the one funnel through which wire copy (and later news releases) enter."""

from __future__ import annotations

import logging
from typing import Iterable

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.text import slugify

from wiredesk.core.generation import content_changed
from wiredesk.stories.types import Decision, NormalizedItem
from wiredesk.stories.models import Article, CopyBand, Takedown
from wiredesk.stories.places import place_slug
from wiredesk.stories.selectors import copy_original
from wiredesk.stories.services.revisions import HELD, REVISED, VISIBLE_FIELDS, upstream_update
from wiredesk.stories.services.takedowns import KillLookup, article_withdraw_under, takedown_matching
from wiredesk.text.copies import band_keys, day_number
from wiredesk.text.fingerprint import sha256_hex

log = logging.getLogger("wiredesk.stories")


def article_fields(*, item: NormalizedItem) -> dict:
    return {
        "guid": item.guid,
        "guid_key": sha256_hex(item.guid),
        "canonical_url": item.canonical_url,
        "url_key": sha256_hex(item.canonical_url) if item.canonical_url else "",
        "title": item.title,
        "body_html": item.body_html,
        "lead_text": item.lead_text,
        "author": item.author[:300],
        "published_at": item.published,
        "updated_at": item.updated,
        "lead_kind": item.lead.kind,
        "lead_raw": item.lead.text[:300],
        "dateline_place": item.lead.place[:120],
        "place_slug": place_slug(item.lead.place[:120]),
        "dateline_date": item.lead.date,
        "agency": item.lead.agency[:120],
        "photo_credit": item.lead.photo_credit[:300],
        "credit_tag": item.credit_tag[:120],
        "related": [{"title": r.title, "url": r.url} for r in item.related],
        "images": [{"url": i.url, "caption": i.caption, "credit": i.credit, "alt": i.alt} for i in item.images],
        "section": item.section,
        "language": item.language,
        "excerpt_only": item.excerpt_only,
        "fingerprint": item.fingerprint,
        "raw_hash": item.raw_hash,
        "notes": "\n".join(item.notes),
        "body_chars": len(item.text),
        "editor_notes": item.editor_notes[:500],
        "copy_signature": item.copy_signature,
    }


def _write_copy_bands(article: Article, *, replace: bool) -> None:
    """The article's LSH bands as indexed rows, on the day it was published (text.copies)."""
    if replace:
        CopyBand.objects.filter(article_id=article.id).delete()
    signature = bytes(article.copy_signature or b"")
    keys = band_keys(signature) if signature else []
    if keys:  # one statement: through the ORM the rows cost more than the database's work
        day = day_number(article.published_at)
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {CopyBand._meta.db_table} (band, day, article_id) VALUES "
                + ", ".join(["(%s, %s, %s)"] * len(keys)),
                [value for key in keys for value in (key, day, article.id)],
            )


def _killed(fields: dict, *, source_id: int, duplicate_of_id: int | None,
            kills: KillLookup | None = None) -> Takedown | None:
    """The kill a new article falls under: one that remembers it (same source and GUID, same
    canonical URL, same text), or its original's (the same copy through another wire)."""
    killed = takedown_matching(source_id=source_id, guid_key=fields["guid_key"], url_key=fields["url_key"],
                               fingerprint=fields["fingerprint"], lookup=kills)
    if killed is None and duplicate_of_id is not None:
        takedown_id = Article.objects.filter(id=duplicate_of_id).values_list("takedown_id", flat=True).first()
        killed = Takedown.objects.filter(id=takedown_id, undone_at__isnull=True).first() if takedown_id else None
    return killed


def article_slug(*, title: str) -> str:
    """A short ASCII slug for the article's URL (fixed at creation, never changed)."""
    return (slugify(title)[:100].strip("-")) or "story"


def kill_lookup_for(items: Iterable[NormalizedItem]) -> KillLookup:
    """The live kill keys that name any of these items (one read for a write batch)."""
    keys: list[str] = []
    for item in items:
        keys += [sha256_hex(item.guid), sha256_hex(item.canonical_url) if item.canonical_url else "", item.fingerprint]
    return KillLookup(keys)


def article_upsert(*, item: NormalizedItem, source_id: int, decision: Decision,
                   find_copies: bool = True, kills: KillLookup | None = None) -> tuple[Article | None, str]:
    """Store one item in its own transaction; return the article and what was done.

    ``find_copies``: link a new article to the stored copy it resends (wire copy); a news
    release is never anyone's copy, nor hidden behind one. ``kills``: the live kill keys of
    the item's batch, read once for it (see ``kill_lookup_for``); else read for this item.

    The unique (source, guid) constraint makes a concurrent second insert of the same item
    fail; that is read as "already stored" and turned into an update, never a duplicate.
    """
    if decision.action == "unchanged":
        return None, "unchanged"
    fields = article_fields(item=item)
    if decision.action == "new":
        try:
            return _insert(item, fields, source_id=source_id, duplicate_of_id=decision.duplicate_of_id,
                           find_copies=find_copies, kills=kills), "new"
        except IntegrityError:
            # Another worker stored the same item a moment ago: ours becomes an update of it.
            existing = Article.objects.filter(source_id=source_id, guid_key=fields["guid_key"]).first()
            if existing is None:
                raise
            log.info("article raced source_id=%s article_id=%s", source_id, existing.id)
            decision = Decision(action="update", article_id=existing.id)
    return _update(fields, source_id=source_id, article_id=decision.article_id, kills=kills), "updated"


def _insert(item: NormalizedItem, fields: dict, *, source_id: int, duplicate_of_id: int | None,
            find_copies: bool, kills: KillLookup | None = None) -> Article:
    """A new article, in its own transaction (IntegrityError when the same item won a race)."""
    with transaction.atomic():
        transaction.on_commit(content_changed)
        # Identical content from another source (dedup's exact rule), else the same copy
        # sent again or through another wire: a near-duplicate body published nearby.
        # Looked up here, in the write's transaction, so an item sees the copies stored
        # just before it in the same batch.
        duplicate_of_id = duplicate_of_id or (
            copy_original(signature=item.copy_signature, day=day_number(item.published))
            if item.copy_signature and find_copies else None
        )
        killed = _killed(fields, source_id=source_id, duplicate_of_id=duplicate_of_id, kills=kills)
        article = Article.objects.create(
            source_id=source_id, slug=article_slug(title=item.title), duplicate_of_id=duplicate_of_id,
            withdrawn_at=timezone.now() if killed else None, takedown=killed, **fields
        )
        if killed is not None:
            log.info("killed copy stored withdrawn source_id=%s article_id=%s takedown_id=%s",
                     source_id, article.id, killed.id)
        _write_copy_bands(article, replace=False)
    return article


def _update(fields: dict, *, source_id: int, article_id: int, kills: KillLookup | None = None) -> Article:
    """The source's new version of a stored article, weighed against what readers see."""
    with transaction.atomic():
        transaction.on_commit(content_changed)
        article = Article.objects.select_for_update().get(id=article_id, source_id=source_id)
        now = timezone.now()
        if article.withdrawn_at is None:
            # An update that turns a live item into a killed copy (a placeholder filled in,
            # a new GUID matched by address) withdraws it under that kill.
            killed = _killed(fields, source_id=source_id, duplicate_of_id=article.duplicate_of_id, kills=kills)
            if killed is not None:
                article_withdraw_under(article=article, takedown=killed, at=now)
        outcome = upstream_update(article=article, fields=fields, at=now)
        if outcome == HELD:
            # An editor's correction stands: the source's version is kept (held) and flagged;
            # its provenance is recorded, so the same copy is "unchanged" on the next poll.
            provenance = {k: v for k, v in fields.items() if k not in VISIBLE_FIELDS}
            for name, value in provenance.items():
                setattr(article, name, value)
            article.save(update_fields=[*provenance, "flag", "flagged_at"])
            return article
        for name, value in fields.items():
            setattr(article, name, value)
        if outcome == REVISED:  # a version readers can see replaced the one they saw
            article.revision += 1
            article.revised_at = now
        article.save()
        _write_copy_bands(article, replace=True)
        return article

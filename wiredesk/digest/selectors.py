"""Reads of the daily email for staff pages."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Count, F, Q

from wiredesk.digest.models import Delivery, Edition, MailEvent

_BOUNCES = (MailEvent.Kind.HARD_BOUNCE, MailEvent.Kind.SOFT_BOUNCE)


def _empty() -> dict[str, int]:
    counts = {state: 0 for state in Delivery.State.values}
    counts.update(total=0, bounced=0, complained=0, unsubscribed_since=0)
    return counts


def edition_counts(*, editions: Iterable[Edition | int]) -> dict[int, dict[str, int]]:
    """Per edition id: deliveries by state, total, bounced, complained and unsubscribed_since.

    ``bounced`` and ``complained`` count deliveries with at least one such MailEvent (a
    provider reports each retry of a soft bounce, so events would overcount);
    ``unsubscribed_since`` counts recipients who unsubscribed after the edition was opened.
    Two queries whatever the number of editions.
    """
    ids = [e.pk if isinstance(e, Edition) else int(e) for e in editions]
    result = {edition_id: _empty() for edition_id in ids}
    if not ids:
        return result
    by_state = {state: Count("id", filter=Q(state=state)) for state in Delivery.State.values}
    rows = (
        Delivery.objects.filter(edition_id__in=ids)
        .order_by()
        .values("edition_id")
        .annotate(
            total=Count("id"),
            unsubscribed_since=Count("id", filter=Q(subscriber__unsubscribed_at__gt=F("edition__created_at"))),
            **by_state,
        )
    )
    for row in rows:
        result[row.pop("edition_id")].update(row)
    events = (
        MailEvent.objects.filter(delivery__edition_id__in=ids)
        .order_by()
        .values("delivery__edition_id")
        .annotate(
            bounced=Count("delivery_id", distinct=True, filter=Q(kind__in=_BOUNCES)),
            complained=Count("delivery_id", distinct=True, filter=Q(kind=MailEvent.Kind.COMPLAINT)),
        )
    )
    for row in events:
        result[row.pop("delivery__edition_id")].update(row)
    return result

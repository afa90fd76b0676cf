"""Reads of brands: which brand a host name belongs to, and the sources a brand carries."""

from __future__ import annotations

from collections import defaultdict

from django.conf import settings
from django.core.cache import cache

from wiredesk.brands.models import Brand, BrandSource
from wiredesk.sources.models import Source

HOSTS_KEY = "brands:table:v3"  # v3: with the sources' weights
HOSTS_TTL = 60  # seconds: a change made outside the admin (a raw update) shows within a minute


def _split(rows) -> tuple[list[int], list[int]]:
    """(wire source ids, releases source ids) of (source id, source kind) rows."""
    wires = [source_id for source_id, kind in rows if kind != Source.Kind.RELEASES]
    releases = [source_id for source_id, kind in rows if kind == Source.Kind.RELEASES]
    return wires, releases


def linked_sources(*, brand) -> tuple[list[int], list[int]]:
    """(wire source ids, releases source ids) linked to the brand. A brand from the brand table
    carries them already; any other instance reads them once and keeps them."""
    linked = getattr(brand, "_linked_sources", None)
    if linked is None:
        _read_links(brand)
        linked = brand._linked_sources
    return linked


def source_weights(*, brand) -> dict[int, float]:
    """Source id to the brand's weight for it (linked sources only; the rest weigh 1)."""
    weights = getattr(brand, "_source_weights", None)
    if weights is None:
        _read_links(brand)
        weights = brand._source_weights
    return weights


def _read_links(brand) -> None:
    rows = list(brand.brandsource_set.values_list("source_id", "source__kind", "weight"))
    _keep_links(brand, rows)


def _keep_links(brand, rows) -> None:
    brand._linked_sources = _split([(source_id, kind) for source_id, kind, _ in rows])
    brand._source_weights = {source_id: weight for source_id, _, weight in rows}


def _brand_table() -> dict:
    """{"hosts": host name -> brand id, "brands": brand id -> Brand with its sources}, cached.

    Every request needs its brand and the sources it carries: one cache read instead of two
    queries. Saving a brand or its sources drops the table (wiredesk/brands/signals.py).
    """
    table = cache.get(HOSTS_KEY)
    if table is None:
        brands = {brand.id: brand for brand in Brand.objects.all()}
        rows: dict[int, list[tuple[int, str, float]]] = defaultdict(list)
        for brand_id, source_id, kind, weight in BrandSource.objects.values_list(
            "brand_id", "source_id", "source__kind", "weight"
        ):
            rows[brand_id].append((source_id, kind, weight))
        for brand_id, brand in brands.items():
            _keep_links(brand, rows[brand_id])
        hosts = {host.lower(): brand.id for brand in brands.values() for host in brand.hosts}
        table = {"hosts": hosts, "brands": brands}
        cache.set(HOSTS_KEY, table, HOSTS_TTL)
    return table


def brand_for_host(*, host: str) -> Brand | None:
    """The brand serving ``host`` (no port), or None: a fresh copy for each caller."""
    table = _brand_table()
    brand_id = table["hosts"].get(host.lower().rstrip("."))
    return None if brand_id is None else table["brands"].get(brand_id)


def brand_origin(*, brand) -> str:
    """Scheme, host and port of the brand's public site, for links that go out in mail."""
    return host_origin(host=brand.primary_host)


def host_origin(*, host: str) -> str:
    """Scheme, host and port of a public site, as readers reach it (WIREDESK_PUBLIC_*)."""
    port = f":{settings.PUBLIC_PORT}" if settings.PUBLIC_PORT else ""
    return f"{settings.PUBLIC_SCHEME}://{host}{port}"

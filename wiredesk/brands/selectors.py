"""Reads of brands: which brand a host name belongs to."""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache

from wiredesk.brands.models import Brand, BrandSource
from wiredesk.sources.models import Source

HOSTS_KEY = "brands:table:v2"
HOSTS_TTL = 60  # seconds: a change made outside the admin (a raw update) shows within a minute


def _brand_table() -> dict:
    """{"hosts": host name -> brand id, "brands": brand id -> Brand with its sources}, cached.

    Every request needs its brand and the sources it carries: one cache read instead of two
    queries. Saving a brand or its sources drops the table (wiredesk/brands/signals.py).
    """
    table = cache.get(HOSTS_KEY)
    if table is None:
        brands = {brand.id: brand for brand in Brand.objects.all()}
        linked: dict[int, tuple[list[int], list[int]]] = {brand_id: ([], []) for brand_id in brands}
        for brand_id, source_id, kind in BrandSource.objects.values_list("brand_id", "source_id", "source__kind"):
            linked[brand_id][1 if kind == Source.Kind.RELEASES else 0].append(source_id)
        for brand_id, brand in brands.items():
            brand._linked_sources = linked[brand_id]  # what stories.selectors._carried reads
        hosts = {host.lower(): brand.id for brand in brands.values() for host in brand.hosts}
        table = {"hosts": hosts, "brands": brands}
        cache.set(HOSTS_KEY, table, HOSTS_TTL)
    return table


def brand_hosts() -> dict[str, int]:
    """Every brand host name mapped to its brand id (cached briefly)."""
    return _brand_table()["hosts"]


def brand_for_host(host: str) -> Brand | None:
    """The brand serving ``host`` (no port), or None: a fresh copy for each caller."""
    table = _brand_table()
    brand_id = table["hosts"].get(host.lower().rstrip("."))
    return None if brand_id is None else table["brands"].get(brand_id)


def brand_origin(brand) -> str:
    """Scheme, host and port of the brand's public site, for links that go out in mail."""
    port = f":{settings.PUBLIC_PORT}" if settings.PUBLIC_PORT else ""
    return f"{settings.PUBLIC_SCHEME}://{brand.primary_host}{port}"

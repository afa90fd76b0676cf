"""Reads of brands: which brand a host name belongs to."""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache

from wiredesk.brands.models import Brand

HOSTS_KEY = "brands:hosts:v1"
HOSTS_TTL = 60  # seconds: a host added in the admin answers within a minute on every process


def brand_hosts() -> dict[str, int]:
    """Every brand host name mapped to its brand id (cached briefly)."""
    mapping = cache.get(HOSTS_KEY)
    if mapping is None:
        mapping = {host.lower(): brand_id for brand_id, hosts in Brand.objects.values_list("id", "hosts") for host in hosts}
        cache.set(HOSTS_KEY, mapping, HOSTS_TTL)
    return mapping


def brand_for_host(host: str) -> Brand | None:
    """The brand serving ``host`` (no port), or None."""
    brand_id = brand_hosts().get(host.lower().rstrip("."))
    if brand_id is None:
        return None
    return Brand.objects.filter(id=brand_id).first()


def brand_origin(brand) -> str:
    """Scheme, host and port of the brand's public site, for links that go out in mail."""
    port = f":{settings.PUBLIC_PORT}" if settings.PUBLIC_PORT else ""
    return f"{settings.PUBLIC_SCHEME}://{brand.primary_host}{port}"

"""Fixed-window rate limits in the shared cache (Redis at scale), for the public forms.

``hit`` counts one attempt against a named limit and says how long to wait when it is over.
Keys are hashed, so an address or IP never sits in the cache in clear.
"""

from __future__ import annotations

import hashlib
import ipaddress
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

from wiredesk.core.rediscache import CacheUnavailable


@dataclass(frozen=True)
class Limit:
    name: str
    count: int
    seconds: int


def _key(limit: Limit, subject: str, window: int) -> str:
    digest = hashlib.sha256(f"{settings.SECRET_KEY}\n{subject}".encode()).hexdigest()[:32]
    return f"rl:{limit.name}:{window}:{digest}"


def hit(limit: Limit, subject: str, *, now: float | None = None) -> int | None:
    """Count an attempt; return None when allowed, else the seconds until the window resets."""
    now = time.time() if now is None else now
    window = int(now // limit.seconds)
    key = _key(limit, subject, window)
    ttl = limit.seconds + 5
    try:
        if cache.add(key, 1, ttl):
            used = 1
        else:
            try:
                used = cache.incr(key)
            except ValueError:  # expired between add and incr
                cache.add(key, 1, ttl)
                used = 1
    except CacheUnavailable:
        # Nothing can be counted: refused (fail closed) until the shared cache is back.
        return limit.seconds
    if used <= limit.count:
        return None
    return max(1, int((window + 1) * limit.seconds - now))


# Providers that ignore dots in the local part (and treat googlemail.com as gmail.com).
_DOTLESS_DOMAINS = {"gmail.com": "gmail.com", "googlemail.com": "gmail.com"}


def mailbox_bucket(email: str) -> str:
    """What a per-mailbox limit counts: the mailbox an address delivers to.

    ``a.b.c+news@googlemail.com`` and ``abc@gmail.com`` reach one inbox, as do ``jo+x@example.org``
    and ``jo@example.org`` at most providers: counting exact addresses would let anyone send
    that inbox any number of confirmation mails an hour through the variants.
    """
    local, at, domain = email.strip().lower().rpartition("@")
    if not at:
        return f"mailbox:{domain}"
    local = local.split("+", 1)[0]
    if domain in _DOTLESS_DOMAINS:
        local, domain = local.replace(".", ""), _DOTLESS_DOMAINS[domain]
    return f"mailbox:{local}@{domain}"


def ip_counted(ip: str) -> str:
    """The address a per-client limit counts: the address itself, or for IPv6 the network
    address of its /64 (one subscriber line gets a whole /64, so counting single IPv6
    addresses would give unlimited tries). Not an address at all: the text as it is."""
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return ip
    if address.version == 6:
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/64", strict=False).network_address)
    return str(address)


def ip_bucket(ip: str) -> str:
    """What a per-IP limit counts (see ip_counted)."""
    counted = ip_counted(ip)
    if ":" in counted:
        return f"ip6:{counted}/64"
    return f"ip:{counted}"


def client_ip(request) -> str:
    """The client's address: REMOTE_ADDR, or the address the trusted proxies in front saw."""
    hops = settings.TRUSTED_PROXY_HOPS
    if hops:
        forwarded = [p.strip() for p in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if p.strip()]
        if len(forwarded) >= hops:
            return forwarded[-hops]
    return request.META.get("REMOTE_ADDR", "") or "0.0.0.0"

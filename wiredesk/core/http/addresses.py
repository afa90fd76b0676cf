"""Which addresses the client may connect to, and host name resolution under a deadline.

The check runs on the address actually connected to (Miniflux fe2bfb27: checking a name and
then letting the socket layer resolve it again is a DNS-rebinding hole).
"""

from __future__ import annotations

import ipaddress
import socket
import threading
import time
from typing import Iterable, Union
from urllib.parse import unquote

from .errors import FetchError

IPAddress = Union[ipaddress.IPv4Address, ipaddress.IPv6Address]

_CGNAT = ipaddress.ip_network("100.64.0.0/10")  # RFC 6598 shared address space
_NAT64 = ipaddress.ip_network("64:ff9b::/96")  # RFC 6052 well-known prefix
# Special-purpose blocks (RFC 6890 registry) that older Pythons do not all flag.
_SPECIAL = tuple(
    ipaddress.ip_network(block)
    for block in (
        "0.0.0.0/8", "192.0.0.0/24", "192.0.2.0/24", "192.88.99.0/24", "198.18.0.0/15",
        "198.51.100.0/24", "203.0.113.0/24", "240.0.0.0/4", "255.255.255.255/32",
        "100::/64", "2001::/23", "2001:db8::/32", "fc00::/7", "fec0::/10",
    )
)


def parse_ip(text: str) -> IPAddress:
    """Parse an address as returned by getaddrinfo, dropping an IPv6 zone id."""
    return ipaddress.ip_address(text.split("%", 1)[0])


def non_public_reason(ip: IPAddress) -> str | None:
    """Say why ``ip`` is not a public unicast address, or None when it is one."""
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = ip.ipv4_mapped
        if embedded is None and ip in _NAT64:
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if embedded is None and ip.sixtofour is not None:
            embedded = ip.sixtofour
        if embedded is not None:
            reason = non_public_reason(embedded)
            return f"{reason} (embedded in IPv6)" if reason else None
        if ip.teredo is not None:
            return "Teredo tunnel"
    checks = (
        (ip.is_unspecified, "unspecified"),
        (ip.is_loopback, "loopback"),
        (ip.is_link_local, "link-local"),
        (ip.is_multicast, "multicast"),
        (ip.version == 4 and ip in _CGNAT, "shared CGNAT"),
        (ip.is_private, "private"),
        (ip.is_reserved, "reserved"),
        (ip.version == 6 and ip.is_site_local, "site-local"),
        (any(ip.version == net.version and ip in net for net in _SPECIAL), "special-purpose"),
        (not ip.is_global, "non-global"),
    )
    for flagged, reason in checks:
        if flagged:
            return reason
    return None


def _is_localhost_name(host: str) -> bool:
    return host == "localhost" or host.endswith(".localhost")


class AddressPolicy:
    """Public addresses, plus the networks and host names an operator allowed."""

    def __init__(self, allow: Iterable[str] | str = ()) -> None:
        if isinstance(allow, str):
            allow = allow.split(",")
        networks: list[ipaddress.IPv4Network | ipaddress.IPv6Network] = []
        names: set[str] = set()
        for entry in allow:
            entry = entry.strip()
            if not entry:
                continue
            try:
                networks.append(ipaddress.ip_network(entry, strict=False))
            except ValueError:
                names.add(entry.lower().rstrip("."))
        self.networks = tuple(networks)
        self.names = frozenset(names)

    def permits(self, ip: IPAddress, host: str) -> bool:
        """Tell whether connecting to ``ip`` for ``host`` is allowed."""
        if host.lower().rstrip(".") in self.names:
            return True
        candidates = [ip]
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
            candidates.append(ip.ipv4_mapped)
        for candidate in candidates:
            if any(candidate.version == net.version and candidate in net for net in self.networks):
                return True
        return non_public_reason(ip) is None

    def literal_addresses(self, host: str) -> list[str] | None:
        """Return the addresses a host stands for without asking DNS, or None for real names.

        Covers every numeric form the C resolver accepts (``2130706433``, ``0177.0.0.1``,
        ``0x7f.1``, ``::ffff:127.0.0.1``) and the RFC 6761 ``localhost`` names.
        """
        name = host.lower().rstrip(".")
        if _is_localhost_name(name):
            return ["::1", "127.0.0.1"]
        try:
            infos = socket.getaddrinfo(
                host, None, type=socket.SOCK_STREAM, flags=socket.AI_NUMERICHOST
            )
        except (OSError, UnicodeError, ValueError):
            infos = None
        if infos:
            return _unique(info[4][0] for info in infos)
        if ":" in host:  # an IPv6 literal, perhaps with a zone the resolver does not know
            try:
                return [str(parse_ip(unquote(host)))]
            except ValueError:
                raise FetchError("bad_url", f"invalid IPv6 address {host!r}") from None
        return None

    def refuse_literal(self, host: str) -> None:
        """Raise ``blocked_address`` now if a literal host is not allowed (no DNS involved)."""
        addresses = self.literal_addresses(host)
        if addresses is not None:
            self._filter(host, addresses)

    def resolve(self, host: str, port: int, *, ends: float | None) -> list[str]:
        """Resolve ``host`` before ``ends`` (monotonic) and return the allowed addresses."""
        addresses = self.literal_addresses(host)
        if addresses is None:
            addresses = _getaddrinfo_before(host, port, ends)
        return self._filter(host, addresses)

    def _filter(self, host: str, addresses: list[str]) -> list[str]:
        allowed, refused = [], []
        for text in addresses:
            try:
                ip = parse_ip(text)
            except ValueError:
                refused.append(f"{text} (unparseable)")
                continue
            if self.permits(ip, host):
                allowed.append(text)
            else:
                refused.append(f"{text} ({non_public_reason(ip)})")
        if not allowed:
            detail = ", ".join(refused) or "no address"
            raise FetchError("blocked_address", f"refused to connect to {host}: {detail}")
        return allowed


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))


def _getaddrinfo_before(host: str, port: int, ends: float | None) -> list[str]:
    """Run getaddrinfo in a helper thread so a slow resolver cannot outlast the deadline."""
    box: dict[str, object] = {}

    def lookup() -> None:
        try:
            box["infos"] = socket.getaddrinfo(
                host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP
            )
        except (OSError, UnicodeError, ValueError) as exc:
            box["error"] = exc

    worker = threading.Thread(target=lookup, name=f"resolve {host}", daemon=True)
    worker.start()
    worker.join(None if ends is None else max(0.0, ends - time.monotonic()))
    if worker.is_alive():
        raise FetchError("timeout", f"DNS lookup of {host} did not finish before the deadline")
    if "error" in box:
        raise FetchError("dns_error", f"cannot resolve {host}: {box['error']}")
    infos = box["infos"]
    return _unique(info[4][0] for info in infos)  # type: ignore[union-attr]

"""Whether an email address can receive mail from the internet, judged by its domain alone.

Syntax is the form field's business; this refuses the well-formed addresses that no mail
server on the internet can deliver to: a domain without a dot (``someone@localhost``), an IP
literal (``someone@[192.0.2.1]``), an all-numeric top-level label, and the names reserved
so that they never resolve on the internet.
"""

from __future__ import annotations

# Special-use and reserved names (any name ending in one of these).
RESERVED_SUFFIXES = (
    "localhost", "test", "invalid", "example",  # RFC 6761 / RFC 2606
    "example.com", "example.net", "example.org",  # RFC 2606 section 3 (null MX, RFC 7505)
    "local",  # RFC 6762: multicast DNS, the local link only
    "onion",  # RFC 7686: reached through Tor, not SMTP
    "alt",  # RFC 9476: outside the DNS
    "arpa",  # RFC 3172: infrastructure (home.arpa, RFC 8375, included)
    "internal",  # reserved by ICANN (2024) for private networks
)


def _reserved(domain: str) -> bool:
    return any(domain == suffix or domain.endswith("." + suffix) for suffix in RESERVED_SUFFIXES)


def _ascii(domain: str) -> str:
    """The domain as mail servers look it up: IDNA maps full-width letters and digits, other
    dots (U+3002 and kin) and case to their ASCII forms, so ``ｔｅｓｔ`` is ``test``."""
    try:
        return domain.encode("idna").decode("ascii").lower()
    except UnicodeError:
        return domain


def undeliverable_reason(address: str) -> str | None:
    """Why mail to ``address`` cannot arrive from the internet, for the person who typed it;
    None when its domain could receive mail."""
    domain = address.rpartition("@")[2].strip().lower()
    if domain.startswith("["):
        return "Enter an address at a mail domain, not at an IP address."
    domain = _ascii(domain).rstrip(".")
    labels = domain.split(".")
    if labels[-1].isdigit():
        return "Enter an address at a mail domain, not at an IP address."
    if _reserved(domain):
        return (f"{domain} is a name kept for tests, examples or local networks: no mail reaches it from "
                "the internet. Enter the address you read your mail at.")
    if len(labels) < 2 or not all(labels):
        return "Enter the whole address, with the full domain after the @ (it has a dot in it)."
    return None

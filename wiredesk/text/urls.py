"""Canonical URLs: one spelling per article so the same story is stored once."""

from __future__ import annotations

from urllib.parse import unquote_plus, urljoin, urlsplit, urlunsplit

HTTP_SCHEMES = frozenset({"http", "https"})
DEFAULT_PORTS = {"http": 80, "https": 443}

# Query parameters that only identify the campaign, click or referrer, never the
# resource; dropping them lets one article arriving through several newsletters,
# social posts and feeds collapse to a single URL. Compared case-insensitively.
TRACKING_PARAMS = frozenset(
    {
        "fbclid",  # Facebook
        "gclid",  # Google Ads
        "gclsrc",
        "dclid",  # Google Display
        "gbraid",
        "wbraid",
        "msclkid",  # Microsoft Ads
        "mc_cid",  # Mailchimp
        "mc_eid",
        "igshid",  # Instagram
        "yclid",  # Yandex
        "twclid",  # X/Twitter
        "ttclid",  # TikTok
        "li_fat_id",  # LinkedIn
        "_ga",  # Google Analytics cross-domain
        "_gl",
        "ref_src",  # Twitter embeds
        "ref_url",
        "cmpid",  # campaign ids used by many publishers
        "ocid",
        "ncid",
        "mkt_tok",  # Marketo
        "_hsenc",  # HubSpot
        "_hsmi",
        "__hstc",
        "__hssc",
        "__hsfp",
        "oly_anon_id",  # Omeda
        "oly_enc_id",
        "vero_id",
        "wickedid",
        "rb_clickid",
        "s_cid",  # Adobe
        "sr_share",
        "at_medium",  # AT Internet
        "at_campaign",
    }
)
TRACKING_PREFIXES = ("utm_",)


def is_http_url(url: str) -> bool:
    """Return whether url is an absolute http(s) URL with a host."""
    try:
        parts = urlsplit(url.strip())
        host = parts.hostname
    except ValueError:  # e.g. an unbalanced "[" in an IPv6 host
        return False
    return parts.scheme.lower() in HTTP_SCHEMES and bool(host)


def is_tracking_param(name: str) -> bool:
    """Return whether a query parameter name only carries tracking data."""
    key = name.strip().lower()
    return key in TRACKING_PARAMS or key.startswith(TRACKING_PREFIXES)


def canonical_url(url: str, *, base_url: str | None = None) -> str:
    """Return the canonical spelling of url, resolved against base_url when relative.

    URLs that are not http(s) after resolution (mailto:, or relative ones without
    a base) come back stripped of surrounding whitespace and otherwise untouched,
    because there is no host to normalise.
    """
    url = url.strip()
    if base_url:
        url = urljoin(base_url.strip(), url)
    if not is_http_url(url):
        return url
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    netloc = _canonical_netloc(scheme, parts)
    path = parts.path or "/"
    return urlunsplit((scheme, netloc, path, _strip_tracking(parts.query), ""))


def _canonical_netloc(scheme: str, parts) -> str:
    # Rebuild from parsed pieces rather than lower-casing netloc wholesale: the
    # userinfo part is case-sensitive (RFC 3986 section 6.2.2.1).
    host = parts.hostname or ""  # urlsplit already lower-cases the host
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    try:
        port = parts.port
    except ValueError:  # non-numeric or out-of-range port: keep what was written
        return parts.netloc.lower()
    if port is not None and port != DEFAULT_PORTS.get(scheme):
        host = f"{host}:{port}"
    userinfo, sep, _ = parts.netloc.rpartition("@")
    return f"{userinfo}@{host}" if sep else host


def _strip_tracking(query: str) -> str:
    # Filter the raw "k=v" pieces instead of parse_qsl + urlencode so the kept
    # parameters keep their order and their original percent-encoding.
    if not query:
        return ""
    kept = [
        piece
        for piece in query.split("&")
        if piece and not is_tracking_param(unquote_plus(piece.partition("=")[0]))
    ]
    return "&".join(kept)

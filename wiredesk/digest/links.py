"""Absolute links that go out in mail: always to the subscriber's own brand host."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse

from wiredesk.brands.selectors import brand_origin
from wiredesk.digest.tokens import make_token


def absolute(brand, path: str) -> str:
    return brand_origin(brand=brand) + path


def confirm_url(subscriber) -> str:
    return absolute(subscriber.brand, reverse("newsletter-confirm", args=[make_token("confirm", subscriber.key)]))


def unsubscribe_url(brand, key: str) -> str:
    return unsubscribe_links(brand, key)[0]


def unsubscribe_links(brand, key: str) -> tuple[str, str]:
    """(https link, mailto: link) for List-Unsubscribe and the footer, signing the key once."""
    token = make_token("unsubscribe", key)
    return (
        absolute(brand, reverse("newsletter-unsubscribe", args=[token])),
        f"mailto:{unsubscribe_address(brand=brand)}?subject=unsubscribe%20{token}",
    )


def unsubscribe_address(brand) -> str:
    """Where the mailto: half of List-Unsubscribe goes (an inbound route to /anymail/)."""
    return settings.DIGEST["unsubscribe_mailto"] or f"unsubscribe@{brand.primary_host}"


def preferences_url(brand, key: str) -> str:
    return absolute(brand, reverse("newsletter-preferences", args=[make_token("preferences", key)]))


def sender(brand) -> str:
    return brand.digest_from or settings.DEFAULT_FROM_EMAIL

"""Absolute links that go out in mail: always to the subscriber's own brand host."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse

from wiredesk.digest.tokens import make_token


def brand_origin(brand) -> str:
    port = f":{settings.PUBLIC_PORT}" if settings.PUBLIC_PORT else ""
    return f"{settings.PUBLIC_SCHEME}://{brand.primary_host}{port}"


def absolute(brand, path: str) -> str:
    return brand_origin(brand) + path


def confirm_url(subscriber) -> str:
    return absolute(subscriber.brand, reverse("newsletter-confirm", args=[make_token("confirm", subscriber.key)]))


def unsubscribe_url(brand, key: str) -> str:
    return absolute(brand, reverse("newsletter-unsubscribe", args=[make_token("unsubscribe", key)]))


def preferences_url(brand, key: str) -> str:
    return absolute(brand, reverse("newsletter-preferences", args=[make_token("preferences", key)]))


def unsubscribe_mailto(brand, key: str) -> str:
    """``mailto:`` with the signed token in the subject, for List-Unsubscribe."""
    address = settings.DIGEST["unsubscribe_mailto"] or f"unsubscribe@{brand.primary_host}"
    return f"mailto:{address}?subject=unsubscribe%20{make_token('unsubscribe', key)}"


def sender(brand) -> str:
    return brand.digest_from or settings.DEFAULT_FROM_EMAIL

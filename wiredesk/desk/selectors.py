"""Reads for the desk: which article an editor means."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.urls import Resolver404, resolve

from wiredesk.stories.models import Article


class RefError(ValueError):
    """REF names no stored article (the message says what was given)."""


def article_by_ref(*, ref: str) -> Article:
    """The article ``ref`` names: its id ("1234"), or the address of its page on any brand
    ("https://lakeside.example/story/1234-harbour-fire/", or the path alone)."""
    ref = (ref or "").strip()
    if not ref:
        raise RefError("Name an article: its id or the address of its page.")
    if ref.isascii() and ref.isdigit():
        article_id = int(ref)
    else:
        try:
            path = urlsplit(ref).path or "/"
        except ValueError:
            raise RefError(f"Not an article id or page address: {ref[:200]!r}") from None
        try:
            match = resolve(path if path.endswith("/") else path + "/")
        except Resolver404:
            match = None
        if match is None or match.url_name != "article":
            raise RefError(f"Not the address of an article page: {ref[:200]!r} (article pages are /story/ID-slug/)")
        article_id = match.kwargs["article_id"]
    article = Article.objects.select_related("source", "takedown").filter(id=article_id).first()
    if article is None:
        raise RefError(f"No article {article_id} is stored.")
    return article

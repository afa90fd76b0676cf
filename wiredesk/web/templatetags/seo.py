"""Meta data for article pages: OpenGraph, Twitter card and schema.org NewsArticle JSON-LD."""

from __future__ import annotations

from django import template
from django.utils.safestring import mark_safe

from wiredesk.core.sections import SECTION_NAMES
from wiredesk.web.seo import article_modified, article_path, json_dumps_html_safe, w3c
from wiredesk.text.leads import teaser_text

register = template.Library()


def json_ld_script(data: dict) -> str:
    """``<script type="application/ld+json">`` holding ``data``, safe inside HTML."""
    text = json_dumps_html_safe(data, separators=(",", ":"))
    return mark_safe(f'<script type="application/ld+json">{text}</script>')


def article_images(article) -> list[dict]:
    # Excerpt-only licences do not cover the source's pictures; the page omits them too.
    if article.excerpt_only:
        return []
    return [i for i in article.images if isinstance(i, dict) and i.get("url")]


def news_article(*, article, brand, url: str, description: str, images: list[dict], absolute) -> dict:
    """schema.org NewsArticle: published by the brand, based on the original story."""
    source = article.source
    if article.author and source.kind == "releases":
        author = {"@type": "Organization", "name": article.author}  # a release's organisation
    elif article.author:
        author = {"@type": "Person", "name": article.author}
    else:
        author = {"@type": "Organization", "name": source.credit}
        if source.home_url:
            author["url"] = source.home_url
    publisher = {"@type": "Organization", "name": brand.name, "url": absolute("/")}
    if brand.logo:
        publisher["logo"] = {"@type": "ImageObject", "url": absolute(brand.logo.url)}
    data = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": article.title,
        "description": description,
        "url": url,
        "mainEntityOfPage": {"@type": "WebPage", "@id": url},
        "datePublished": w3c(article.published_at),
        "dateModified": w3c(article_modified(article)),
        "author": [author],
        "publisher": publisher,
        "articleSection": SECTION_NAMES.get(article.section, article.section.title()),
        "inLanguage": article.language or brand.language or "en",
    }
    if images:
        data["image"] = [i["url"] for i in images]
    if article.canonical_url:
        data["isBasedOn"] = article.canonical_url
    if article.dateline_place:
        data["contentLocation"] = {"@type": "Place", "name": article.dateline_place}
    if article.correction_note and article.corrected_at:
        data["correction"] = {"@type": "CorrectionComment", "text": article.correction_note,
                              "datePublished": w3c(article.corrected_at)}
    return data


@register.simple_tag(takes_context=True)
def article_seo(context, article) -> dict:
    """Everything _article_meta.html prints: ``{% article_seo a as seo %}``."""
    request = context["request"]
    brand = context["brand"]
    url = request.build_absolute_uri(article_path(article))
    description = teaser_text(lead_raw=article.lead_raw, lead_text=article.lead_text)
    # Uploaded images (news releases) are stored as site paths: feeds and cards need URLs.
    images = [
        {**i, "url": request.build_absolute_uri(i["url"])} if i["url"].startswith("/") else i
        for i in article_images(article)
    ]
    data = news_article(
        article=article, brand=brand, url=url, description=description, images=images,
        absolute=request.build_absolute_uri,
    )
    return {
        "url": url,
        "description": description,
        "image": images[0] if images else None,
        "card": "summary_large_image" if images else "summary",
        "published": w3c(article.published_at),
        "modified": w3c(article_modified(article)),
        "section_name": data["articleSection"],
        "json_ld": json_ld_script(data),
    }

"""Rail teasers: the lead as the wire gave it, then the first ~130 characters and '...'."""

from __future__ import annotations

from django.urls import reverse

from wiredesk.text.leads import teaser

TEASER_CHARS = 130


def teaser_text(*, lead_raw: str, lead_text: str) -> str:
    """``PORT ELLIS, Westmark: The harbour board voted to ...``"""
    body = lead_text
    if lead_raw and body.startswith(lead_raw):
        body = body[len(lead_raw):].lstrip(" -\u2013\u2014")
    cut = teaser(body, limit=TEASER_CHARS)
    if not cut.endswith("..."):
        # A short story is shown whole: its own full stop gives way to the "..." (not "....").
        cut = cut.rstrip(" ,;:.-\u2013\u2014") + "..."
    return f"{lead_raw} {cut}" if lead_raw else cut


def rail_teasers(articles: list) -> list[dict]:
    """Plain data for the rail (cacheable, no model instances)."""
    return [
        {
            "id": a.id,
            "story": a.story_id,
            "title": a.title,
            "url": reverse("article", args=[a.id, a.slug]),
            "section": a.section,
            "text": teaser_text(lead_raw=a.lead_raw, lead_text=a.lead_text),
        }
        for a in articles
    ]

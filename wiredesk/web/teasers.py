"""Rail teasers: the lead as the wire gave it, then the first ~130 characters and '...'
(the text itself is wiredesk.text.leads.teaser_text, which the daily email uses too)."""

from __future__ import annotations

from django.urls import reverse

from wiredesk.text.leads import teaser_text

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

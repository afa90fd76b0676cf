from django import template
from django.urls import reverse

from wiredesk.text.dates import format_local
from wiredesk.text.leads import teaser_text

register = template.Library()


@register.filter
def brandtime(value, brand) -> str:
    """An instant in the brand's time zone with its offset: 25 Nov 2021, 19:49 GMT+10."""
    if not value:
        return ""
    return format_local(value, brand.tz)


@register.filter
def archive_day_url(value, brand) -> str:
    """The archive page of the brand's day that holds this instant."""
    local = value.astimezone(brand.tz)
    return reverse("archive-day", args=[local.year, local.month, local.day])


@register.filter
def teaser_of(article) -> str:
    """The article's lead as the wire gave it and the first ~130 characters."""
    return teaser_text(lead_raw=article.lead_raw, lead_text=article.lead_text)


@register.filter
def section_name(key: str) -> str:
    from wiredesk.core.sections import SECTION_NAMES

    return SECTION_NAMES.get(key, key.title())

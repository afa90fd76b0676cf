from django import template

from wiredesk.text.dates import format_local
from wiredesk.web.teasers import teaser_text

register = template.Library()


@register.filter
def brandtime(value, brand) -> str:
    """An instant in the brand's time zone with its offset: 25 Nov 2021, 19:49 GMT+10."""
    if not value:
        return ""
    return format_local(value, brand.tz)


@register.filter
def teaser_of(article) -> str:
    """The article's lead as the wire gave it and the first ~130 characters."""
    return teaser_text(lead_raw=article.lead_raw, lead_text=article.lead_text)


@register.filter
def section_name(key: str) -> str:
    from wiredesk.core.sections import SECTION_NAMES

    return SECTION_NAMES.get(key, key.title())

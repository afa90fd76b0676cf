"""Search page: full-text search over the brand's stories, with filters and highlighted snippets."""

from __future__ import annotations

import datetime as dt

from django.shortcuts import render

from wiredesk.core.sections import SECTION_NAMES
from wiredesk.search.selectors import ORDERS, search_articles, search_sources
from wiredesk.web.caching import SEARCH_PARAMS, cached_page

PER_PAGE = 20


def _date(value: str, label: str, errors: list[str]) -> dt.date | None:
    value = value.strip()
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        errors.append(f"The {label} date \u201c{value[:40]}\u201d is not a date: use the form YYYY-MM-DD, e.g. 2026-11-19.")
        return None


def _page_number(value: str) -> int:
    return int(value) if value.isascii() and value.isdigit() and 0 < len(value) < 7 else 1


@cached_page(params=SEARCH_PARAMS)
def search(request):
    brand = request.brand
    get = request.GET
    query = get.get("q", "").strip()[:300]
    errors: list[str] = []

    section = get.get("section", "")
    if section and section not in brand.section_list:
        errors.append("This site has no such section.")
        section = ""
    sources = search_sources(brand=brand)
    source_id = None
    raw_source = get.get("source", "")
    if raw_source:
        source_id = int(raw_source) if raw_source.isascii() and raw_source.isdigit() and len(raw_source) < 12 else None
        if source_id not in {s.id for s in sources}:
            errors.append("This site carries no such source.")
            source_id = None
    date_from = _date(get.get("from", ""), "from", errors)
    date_to = _date(get.get("to", ""), "to", errors)
    if date_from and date_to and date_from > date_to:
        errors.append("The from date is after the to date.")
    order = get.get("order", "relevance")
    if order not in ORDERS:
        order = "relevance"

    results = None
    if query and not errors:
        results = search_articles(
            brand=brand, query=query, section=section or None, source_id=source_id,
            date_from=date_from, date_to=date_to, order=order,
            page=_page_number(get.get("page", "")), per_page=PER_PAGE, every_report=get.get("all") == "1",
        )
    context = {
        "query": query,
        "every_report": get.get("all") == "1",
        "errors": errors,
        "results": results,
        "sections": [(s, SECTION_NAMES.get(s, s.title())) for s in brand.section_list],
        "sources": sources,
        "form": {
            "section": section,
            "source": source_id,
            # A date input only takes YYYY-MM-DD: a bad value is named in the error, not echoed.
            "from": date_from.isoformat() if date_from else "",
            "to": date_to.isoformat() if date_to else "",
            "order": order,
        },
        "orders": [("relevance", "Most relevant"), ("newest", "Newest")],
    }
    return render(request, "web/search.html", context)

"""Search page: full-text search over the brand's stories, with filters and highlighted snippets."""

from __future__ import annotations

from django.shortcuts import render

from wiredesk.core.sections import SECTION_NAMES
from wiredesk.search.selectors import search_articles, search_sources
from wiredesk.web.caching import SEARCH_PARAMS, cached_page
from wiredesk.web.forms import SearchForm

PER_PAGE = 20


@cached_page(params=SEARCH_PARAMS)
def search(request):
    brand = request.brand
    sources = search_sources(brand=brand)
    form = SearchForm(request.GET, sections=brand.section_list, source_ids={s.id for s in sources})
    form.is_valid()  # every field is optional: what does not hold is in form.problems
    asked = form.cleaned_data
    query, errors = asked["q"], form.problems
    section, source_id, date_from, date_to, order = (asked[k] for k in ("section", "source", "date_from", "date_to",
                                                                          "order"))
    results = None
    if query and not errors:
        results = search_articles(
            brand=brand, query=query, section=section or None, source_id=source_id,
            date_from=date_from, date_to=date_to, order=order,
            page=asked["page"], per_page=PER_PAGE, every_report=asked["all"],
        )
    context = {
        "query": query,
        "every_report": asked["all"],
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

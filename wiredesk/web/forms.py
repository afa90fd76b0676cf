"""The search page's query string, read and checked as a form (thin view: the form validates,
search.selectors.search_articles acts)."""

from __future__ import annotations

import datetime as dt

from django import forms

from wiredesk.search.selectors import ORDERS
from wiredesk.web.paging import page_number

QUERY_CHARS = 300


class _Raw(forms.Field):
    """The parameter as sent (a string, "" when absent): the form's clean decides what holds."""

    def to_python(self, value) -> str:
        return "" if value is None else str(value)


class SearchForm(forms.Form):
    """What a reader asks the search page: the words, the filters, the order and the page.

    Every filter that does not hold is named in ``problems`` and left out, and the words are
    searched only when none is; an unknown order means the default one, a bad page the first.
    """

    q = _Raw(required=False)
    section = _Raw(required=False)
    source = _Raw(required=False)
    date_from = _Raw(required=False)
    date_to = _Raw(required=False)
    order = _Raw(required=False)
    page = _Raw(required=False)
    all = _Raw(required=False)

    def __init__(self, data, *, sections: list[str], source_ids: set[int]) -> None:
        # "from" and "to" are the page's parameter names (Python keywords as field names would not do).
        data = {**{k: data.get(k, "") for k in ("q", "section", "source", "order", "page", "all")},
                "date_from": data.get("from", ""), "date_to": data.get("to", "")}
        super().__init__(data)
        self.sections, self.source_ids = sections, source_ids
        self.problems: list[str] = []

    def clean(self):
        data = super().clean()
        data["q"] = data.get("q", "").strip()[:QUERY_CHARS]
        section = data.get("section", "")
        if section and section not in self.sections:
            self.problems.append("This site has no such section.")
            section = ""
        data["section"] = section
        raw = data.get("source", "")
        source_id = int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 12 else None
        if raw and source_id not in self.source_ids:
            self.problems.append("This site carries no such source.")
            source_id = None
        data["source"] = source_id
        data["date_from"] = self._date(data.get("date_from", ""), "from")
        data["date_to"] = self._date(data.get("date_to", ""), "to")
        if data["date_from"] and data["date_to"] and data["date_from"] > data["date_to"]:
            self.problems.append("The from date is after the to date.")
        data["order"] = data.get("order") if data.get("order") in ORDERS else "relevance"
        data["page"] = page_number(data.get("page"))
        data["all"] = data.get("all") == "1"
        return data

    def _date(self, value: str, label: str) -> dt.date | None:
        value = value.strip()
        if not value:
            return None
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            self.problems.append(f"The {label} date \u201c{value[:40]}\u201d is not a date: use the form YYYY-MM-DD, "
                                 "e.g. 2026-11-19.")
            return None

"""Small value types produced by the text functions (no Django, no I/O)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class Lead:
    """The lead of a story parsed into structured fields."""

    kind: Literal["dateline", "caption", "photo", "none"] = "none"
    text: str = ""  # the lead exactly as the wire gave it, e.g. "WASHINGTON, D.C.:"
    place: str = ""  # "WASHINGTON, D.C.", "ST. MORITZ"
    date: dt.date | None = None  # dateline date when the lead gives one
    agency: str = ""  # "Xinhua"
    photo_credit: str = ""  # the text inside "(Photo credit: ...)"


@dataclass(frozen=True)
class RelatedLink:
    """An inline ``READ MORE:`` line kept as a structured link."""

    title: str
    url: str

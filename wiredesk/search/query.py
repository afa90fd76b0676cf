"""The reader's query, parsed once into words and phrases, then written for each database.

Only word characters survive: every word or phrase is quoted in the output, so operators,
column filters, NEAR(), stars, brackets and unbalanced quotes in the input are plain text
and can never be read as syntax by FTS5 or by websearch_to_tsquery.

Supported: words (all required), "quoted phrases", and -word / -"phrase" to exclude.
A hyphenated or dotted word (e-mail, 3.5) is searched as a phrase of its parts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_QUERY_CHARS = 300
MAX_ITEMS = 12
MAX_WORD_CHARS = 60

_PIECE = re.compile(r'(-?)"([^"]*)"?|(-?)([^\s"]+)')
_WORD = re.compile(r"[^\W_]+")


@dataclass(frozen=True)
class ParsedQuery:
    include: tuple[tuple[str, ...], ...] = ()  # each item: one word, or the words of a phrase
    exclude: tuple[tuple[str, ...], ...] = ()

    def __bool__(self) -> bool:
        # A query of exclusions only would list the whole archive: it finds nothing instead.
        return bool(self.include)

    def fts5(self) -> str:
        """An FTS5 MATCH expression: quoted strings joined by AND, exclusions by NOT."""
        expr = "(" + " AND ".join(_fts5_string(item) for item in self.include) + ")"
        for item in self.exclude:
            expr += " NOT " + _fts5_string(item)
        return expr

    def websearch(self) -> str:
        """Text for websearch_to_tsquery: every item double-quoted, exclusions with a minus."""
        parts = [f'"{" ".join(item)}"' for item in self.include]
        parts += [f'-"{" ".join(item)}"' for item in self.exclude]
        return " ".join(parts)


def _fts5_string(words: tuple[str, ...]) -> str:
    # Words hold no quote characters, so no "" escaping is needed; a multi-word string is a phrase.
    return '"' + " ".join(words) + '"'


def parse_query(text: str) -> ParsedQuery:
    """Parse what the reader typed; never raises, whatever the input."""
    include: list[tuple[str, ...]] = []
    exclude: list[tuple[str, ...]] = []
    seen: set[tuple[bool, tuple[str, ...]]] = set()
    for match in _PIECE.finditer((text or "")[:MAX_QUERY_CHARS]):
        negated = bool(match.group(1) or match.group(3))
        raw = match.group(2) if match.group(2) is not None else match.group(4)
        words = tuple(w.lower()[:MAX_WORD_CHARS] for w in _WORD.findall(raw or ""))[:MAX_ITEMS]
        if not words or (negated, words) in seen:
            continue
        seen.add((negated, words))
        (exclude if negated else include).append(words)
        if len(include) + len(exclude) >= MAX_ITEMS:
            break
    return ParsedQuery(include=tuple(include), exclude=tuple(exclude))

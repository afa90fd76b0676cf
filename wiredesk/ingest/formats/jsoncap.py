"""json.loads for a document whose one big array may hold far more than is kept.

A JSON Feed under the body cap can list tens of thousands of items; ``json.loads`` would build
every one (a 34,000-item feed: 76 MB) before all but the first 1,000 are dropped. Here the
top-level object is walked key by key with the standard library's own decoder
(``raw_decode``, ``scanstring``), and the big array element by element: the first ``limit``
objects are kept, later elements are decoded one at a time and dropped, only to find where
the array ends (keys may follow it: a generator that sorts keys puts "version" after
"items"). An element past the cap that is not valid JSON ends the reading there instead of
failing a document whose stored part is fine.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from json.decoder import JSONDecodeError, scanstring
from typing import Any

_WS = re.compile(r"[ \t\n\r]*")  # RFC 8259 white space
_DECODER = json.JSONDecoder()


@dataclass(frozen=True)
class Counted:
    """What the capped array held: elements, objects among them, and whether it was read to its end."""

    elements: int
    objects: int
    stopped: str = ""  # why reading stopped past the cap ("" when the document was read whole)


def loads_capped(text: str, *, key: str, limit: int) -> tuple[Any, Counted | None]:
    """Decode ``text``; an object's ``key`` array keeps only its first ``limit`` objects.

    Raises ``ValueError`` (``JSONDecodeError``) or ``RecursionError`` like ``json.loads``.
    ``Counted`` is None when there was no such array to cap.
    """
    pos = _WS.match(text).end()
    if not text.startswith("{", pos):
        return json.loads(text), None
    root: dict[str, Any] = {}
    counted: Counted | None = None
    pos = _WS.match(text, pos + 1).end()
    if text.startswith("}", pos):
        return _finish(text, pos + 1, root), None
    while True:
        if not text.startswith('"', pos):
            raise JSONDecodeError("Expecting property name enclosed in double quotes", text, pos)
        name, pos = scanstring(text, pos + 1)
        pos = _WS.match(text, pos).end()
        if not text.startswith(":", pos):
            raise JSONDecodeError("Expecting ':' delimiter", text, pos)
        pos = _WS.match(text, pos + 1).end()
        if name == key and text.startswith("[", pos):
            root[name], counted, pos = _capped_array(text, pos, limit)
            if counted.stopped:
                return root, counted  # the rest is past the cap and unreadable: not needed
        else:
            root[name], pos = _DECODER.raw_decode(text, pos)
        pos = _WS.match(text, pos).end()
        if text.startswith(",", pos):
            pos = _WS.match(text, pos + 1).end()
        elif text.startswith("}", pos):
            return _finish(text, pos + 1, root), counted
        else:
            raise JSONDecodeError("Expecting ',' delimiter", text, pos)


def _finish(text: str, pos: int, root: dict[str, Any]) -> dict[str, Any]:
    end = _WS.match(text, pos).end()
    if end != len(text):
        raise JSONDecodeError("Extra data", text, end)
    return root


def _capped_array(text: str, pos: int, limit: int) -> tuple[list[Any], Counted, int]:
    kept: list[Any] = []
    elements = objects = 0
    pos = _WS.match(text, pos + 1).end()
    if text.startswith("]", pos):
        return kept, Counted(0, 0), pos + 1
    while True:
        try:
            value, pos = _DECODER.raw_decode(text, pos)
        except (ValueError, RecursionError) as exc:
            if len(kept) < limit:
                raise
            return kept, Counted(elements, objects, stopped=_reason(exc)), pos
        elements += 1
        if isinstance(value, dict):
            objects += 1
            if len(kept) < limit:
                kept.append(value)
        pos = _WS.match(text, pos).end()
        if text.startswith(",", pos):
            pos = _WS.match(text, pos + 1).end()
        elif text.startswith("]", pos):
            return kept, Counted(elements, objects), pos + 1
        elif len(kept) < limit:
            raise JSONDecodeError("Expecting ',' delimiter", text, pos)
        else:
            return kept, Counted(elements, objects, stopped="Expecting ',' delimiter"), pos


def _reason(exc: BaseException) -> str:
    return "nested too deeply" if isinstance(exc, RecursionError) else str(exc)

"""Golden files: each fixture input sits beside its reviewed expected output
(``<name>.expected.<ext>``), for the text functions and the parse and extract stages alike.

Set WIREDESK_UPDATE_GOLDEN=1 to rewrite the expected files from the current output (the
inputs an expected file records are kept); review the diff before committing: it becomes the
new truth.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).resolve().parent / "fixtures"
UPDATE = os.environ.get("WIREDESK_UPDATE_GOLDEN") == "1"


def cases(folder: str, suffix: str = "") -> list[Path]:
    """The input files of a fixture folder ending in ``suffix``, sorted; expected files and
    READMEs left out."""
    return sorted(p for p in (FIXTURES / folder).glob(f"*{suffix}")
                  if p.is_file() and ".expected." not in p.name and p.suffix != ".md")


def expected_path(case: Path, suffix: str = "", expected_suffix: str = ".expected.json") -> Path:
    """The expected output beside ``case``: its name without ``suffix`` (or its last
    extension) and with ``expected_suffix``."""
    stem = case.name[: -len(suffix)] if suffix else case.name.rsplit(".", 1)[0]
    return case.with_name(stem + expected_suffix)


def check_text(path: Path, actual: str) -> None:
    """Assert actual equals the text stored at path (or store it in update mode)."""
    if UPDATE:
        path.write_text(actual, encoding="utf-8")
    assert actual == path.read_text(encoding="utf-8")


def check_json(path: Path, actual) -> None:
    """Assert actual equals the JSON stored at path (or store it in update mode)."""
    if UPDATE:
        path.write_text(json.dumps(actual, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    assert actual == json.loads(path.read_text(encoding="utf-8"))


def to_json(value: Any) -> Any:
    """Plain JSON data for a dataclass result (datetimes as ISO 8601 strings)."""

    def default(obj: Any) -> Any:
        if isinstance(obj, dt.datetime):
            return obj.isoformat()
        if isinstance(obj, (set, frozenset)):
            return sorted(obj)
        raise TypeError(type(obj).__name__)

    return json.loads(json.dumps(dataclasses.asdict(value), default=default))


def load(case: Path, default_input: dict) -> dict:
    """A stage's golden record (its inputs under "input", then its result or error code)."""
    path = expected_path(case)
    if path.exists():
        return json.loads(path.read_text(encoding="utf-8"))
    if not UPDATE:
        raise AssertionError(f"{path.name} is missing: run with WIREDESK_UPDATE_GOLDEN=1 and review it")
    return {"input": default_input}


def check(case: Path, stored: dict, result: dict) -> None:
    """Compare ``result`` (keys besides "input") with the stored record, or store it."""
    path = expected_path(case)
    if UPDATE:
        path.write_text(
            json.dumps({"input": stored["input"], **result}, indent=2, ensure_ascii=False) + "\n",
            encoding="utf-8",
        )
        stored = json.loads(path.read_text(encoding="utf-8"))
    assert result == {k: v for k, v in stored.items() if k != "input"}

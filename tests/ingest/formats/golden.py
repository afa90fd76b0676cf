"""Golden files for the parse and extract stages: each input sits beside ``<name>.expected.json``.

The expected file holds the call's inputs (``input``) and either the result or the error
code. Set WIREDESK_UPDATE_GOLDEN=1 to rewrite the results from the current output (the
inputs are kept); review the diff before committing, it becomes the new truth.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
UPDATE = os.environ.get("WIREDESK_UPDATE_GOLDEN") == "1"


def cases(folder: str) -> list[Path]:
    """Input files of a fixture folder, sorted; expected files and READMEs excluded."""
    return sorted(
        p for p in (FIXTURES / folder).iterdir()
        if p.is_file() and ".expected." not in p.name and p.suffix != ".md"
    )


def expected_path(case: Path) -> Path:
    return case.with_name(case.name.rsplit(".", 1)[0] + ".expected.json")


def to_json(value: Any) -> Any:
    """Plain JSON data for a dataclass result (datetimes as ISO 8601 strings)."""

    def default(obj: Any) -> Any:
        if isinstance(obj, dt.datetime):
            return obj.isoformat()
        raise TypeError(type(obj).__name__)

    return json.loads(json.dumps(dataclasses.asdict(value), default=default))


def load(case: Path, default_input: dict) -> dict:
    path = expected_path(case)
    if path.exists():
        return json.loads(path.read_text(encoding="utf-8"))
    if not UPDATE:
        raise AssertionError(f"{path.name} is missing: run with WIREDESK_UPDATE_GOLDEN=1 and review it")
    return {"input": default_input}


def check(case: Path, stored: dict, result: dict) -> None:
    """Compare ``result`` (keys besides "input") with the stored golden, or store it."""
    path = expected_path(case)
    if UPDATE:
        path.write_text(
            json.dumps({"input": stored["input"], **result}, indent=2, ensure_ascii=False) + "\n",
            encoding="utf-8",
        )
        stored = json.loads(path.read_text(encoding="utf-8"))
    assert result == {k: v for k, v in stored.items() if k != "input"}

"""Golden-file helpers: each fixture input sits beside its expected output."""

from __future__ import annotations

import json
import os
from pathlib import Path

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "text"
# Set WIREDESK_UPDATE_GOLDEN=1 to rewrite the expected files from the current
# output; review the diff before committing, it becomes the new truth.
UPDATE = os.environ.get("WIREDESK_UPDATE_GOLDEN") == "1"


def cases(folder: str, suffix: str) -> list[Path]:
    """Return the input files of a fixture folder, sorted, excluding expected files."""
    paths = sorted((FIXTURES / folder).glob(f"*{suffix}"))
    return [path for path in paths if ".expected." not in path.name]


def expected_path(case: Path, suffix: str, expected_suffix: str) -> Path:
    """Return the expected-output path beside an input file."""
    return case.with_name(case.name[: -len(suffix)] + expected_suffix)


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

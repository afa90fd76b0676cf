"""``wiredesk extract``: readable output, JSON lines, per-file errors and the exit code."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from tests.golden import FIXTURES

PAGE = FIXTURES / "pages" / "news_article.html"
TITLE = "Harbour bridge in Veltmoor reopens after two-year repair"


def test_json_lines_via_call_command():
    out = StringIO()
    call_command("extract", str(PAGE), str(FIXTURES / "pages" / "picture_credits_table.html"), "--json", stdout=out)
    lines = out.getvalue().splitlines()
    assert len(lines) == 2
    first = json.loads(lines[0])
    assert set(first) == {"file", "title", "text"}
    assert first["file"] == str(PAGE) and first["title"] == TITLE
    assert first["text"].split("\n")[0].startswith("The Veltmoor harbour bridge opened")
    assert json.loads(lines[1])["title"] == "Brücke über die Alme wird saniert"


def test_readable_output():
    out = StringIO()
    call_command("extract", str(PAGE), "--url", "https://courier.example/news/bridge", stdout=out)
    text = out.getvalue()
    assert text.startswith(f"== {PAGE}\n{TITLE}\n\nThe Veltmoor harbour bridge")


def test_failures_are_reported_per_file_and_fail_the_command(tmp_path):
    empty = tmp_path / "empty.html"
    empty.write_bytes(b"<html><body></body></html>")
    missing = tmp_path / "missing.html"
    out = StringIO()
    with pytest.raises(CommandError):
        call_command("extract", str(empty), str(PAGE), str(missing), "--json", stdout=out)
    records = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [r["file"] for r in records] == [str(empty), str(PAGE), str(missing)]
    assert records[0]["error"].startswith("no_main_text") and "error" not in records[1]
    assert records[2]["error"].startswith("unreadable")


def _console_script() -> Path:
    return Path(sys.executable).with_name("wiredesk")


@pytest.mark.skipif(not _console_script().exists(), reason="the wiredesk console script is not installed")
def test_console_script_json_and_exit_code(tmp_path):
    env = {**os.environ, "WIREDESK_DATA_DIR": str(tmp_path / "data")}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    bad = tmp_path / "binary.html"
    bad.write_bytes(b"\x00" * 10)
    ok = subprocess.run(
        [str(_console_script()), "extract", "--json", str(PAGE)], capture_output=True, text=True, env=env, timeout=60
    )
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout)["title"] == TITLE
    failed = subprocess.run(
        [str(_console_script()), "extract", "--json", str(PAGE), str(bad)], capture_output=True, text=True, env=env, timeout=60
    )
    assert failed.returncode != 0
    assert [("error" in json.loads(line)) for line in failed.stdout.splitlines()] == [False, True]

"""Shared pieces of the browser tests: where things are, the browser's flags, page helpers."""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"  # git-ignored
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"  # installed by `make test` (package.json)
CHROMIUM = os.environ.get("WIREDESK_TEST_CHROMIUM", "/usr/bin/chromium")  # Debian's chromium
# What works as root on a machine without a screen or an outside network. Playwright gives
# every launch a fresh temporary profile (its own --user-data-dir).
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
BRAND = "Harbour Telegraph"  # the demo brand that answers on localhost
DATE_LINE = re.compile(r"^\d{1,2} [A-Z][a-z]{2} \d{4}, \d{2}:\d{2} GMT([+-]\d{1,2}(:\d{2})?)?$")
_STORY_PATH = re.compile(r"/story/(\d+)-[\w-]+/$")


def story_id(url: str) -> int:
    match = _STORY_PATH.search(url)
    assert match, f"not an article URL: {url}"
    return int(match.group(1))


def expected_date_line(instant: dt.datetime, tz: dt.tzinfo) -> str:
    """The date line as a reader of the brand expects it: ``29 Nov 2026, 12:45 GMT+11``."""
    local = instant.astimezone(tz)
    minutes = round(local.utcoffset().total_seconds() / 60)
    hours, mins = divmod(abs(minutes), 60)
    zone = "GMT" if minutes == 0 else f"GMT{'+' if minutes > 0 else '-'}{hours}" + (f":{mins:02d}" if mins else "")
    return f"{local.day} {local.strftime('%b')} {local.year}, {local.strftime('%H:%M')} {zone}"


def load_all_images(page) -> None:
    """Load lazy images too and wait for every image to finish (loaded or failed)."""
    page.evaluate("() => document.querySelectorAll('img[loading=lazy]').forEach(i => { i.loading = 'eager'; })")
    page.wait_for_function("() => Array.from(document.images).every(i => i.complete)")


def broken_images(page) -> list[str]:
    return page.evaluate("() => Array.from(document.images).filter(i => !i.naturalWidth).map(i => i.src)")


def screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    load_all_images(page)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path

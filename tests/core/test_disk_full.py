"""A full disk under the data folder: ingest stops with a clear error on each source, keeps
nothing half-written, and catches up (search index included) once there is room again."""

from __future__ import annotations

import json
import os
import subprocess

import pytest

from tests.core.test_run import WIREDESK, clean_env, query, wiredesk
from wiredesk.demo.server import DemoWireServer

pytestmark = pytest.mark.timeout(240)


@pytest.fixture
def small_disk(tmp_path):
    """A 48 MB filesystem of the test's own (tmpfs), mounted on a folder and removed after."""
    folder = tmp_path / "small"
    folder.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=48m", "tmpfs", str(folder)], capture_output=True, text=True)
    if done.returncode:
        pytest.skip(f"cannot mount a small filesystem here: {done.stderr.strip()[:200]}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], capture_output=True)


def fill(folder, *, keep: int) -> os.PathLike:
    """Take all but ``keep`` free bytes of the filesystem with one file (the disk fills up while
    the platform runs: there is room to open the database, none for a batch of stories)."""
    filler = folder / "filler"
    stat = os.statvfs(folder)
    left = stat.f_bavail * stat.f_frsize - keep
    with open(filler, "wb", buffering=0) as handle:
        while left > 0:
            step = min(left, 1 << 20)
            handle.write(b"\0" * step)
            left -= step
    stat = os.statvfs(folder)
    assert stat.f_bavail * stat.f_frsize <= keep
    return filler


# Its processes use their own SQLite data folder whatever the suite runs on: once is enough.
@pytest.mark.sqlite_only
def test_ingest_on_a_full_disk_stops_cleanly_and_catches_up(small_disk):
    data = small_disk / "data"
    env = clean_env(data)
    db = data / "wiredesk.sqlite3"
    with DemoWireServer(port=0, interval=3600) as wires:
        wiredesk(env, "migrate", "--noinput", "-v", "0", timeout=120)
        wiredesk(env, "demo_load", "--wires-url", wires.url(""))
        filler = fill(small_disk, keep=256 * 1024)

        done = subprocess.run([str(WIREDESK), "fetch", "--all", "--json"], env=env, capture_output=True, text=True,
                              timeout=180)
        assert "Traceback" not in done.stderr, done.stderr[-3000:]
        assert done.stdout.strip(), (done.returncode, done.stderr[-3000:])
        summary = json.loads(done.stdout)
        # Each source stores whole batches or nothing: what a refresh reports stored is stored,
        # the rest is an error on its source.
        assert summary["failed"] >= 1, summary
        for error in summary["errors"]:
            assert error["error"].startswith("storage: the data could not be written (database or disk is full)"), error
        first = summary["new"]
        assert query(db, "SELECT COUNT(*) FROM stories_article")[0][0] == first  # nothing half-written

        os.unlink(filler)  # room again
        summary = json.loads(wiredesk(env, "fetch", "--all", "--json", timeout=180))
        assert summary["failed"] == 0 and summary["new"] > 0, summary
    per_source = dict(query(db, "SELECT source_id, COUNT(*) FROM stories_article GROUP BY source_id"))
    assert sum(per_source.values()) == first + summary["new"]
    assert set(per_source) == {row[0] for row in query(db, "SELECT id FROM sources_source")}  # every source caught up
    checked = subprocess.run([str(WIREDESK), "search_reindex", "--check"], env=env, capture_output=True, text=True)
    assert checked.returncode == 0, checked.stdout + checked.stderr  # every stored article is searchable
    assert query(db, "SELECT COUNT(*) FROM sources_source WHERE last_error LIKE 'storage:%'")[0][0] == 0


def test_health_page_lists_sources_that_could_not_store(staff):
    from django.utils import timezone

    from wiredesk.sources.models import Source

    Source.objects.create(name="Harbour wire", credit="Harbour", feed_url="http://127.0.0.1:9/feed.xml",
                          last_error="storage: the data could not be written (database or disk is full)",
                          last_error_at=timezone.now())
    html = staff.get("/admin/health/").content.decode()
    assert "Harbour wire" in html and "database or disk is full" in html and "MB free of" in html

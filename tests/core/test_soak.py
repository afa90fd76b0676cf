"""The runtime survives kill -9 of any of its children at any moment (the short soak run).

`wiredesk run` with the demo wires being ingested and a 300-recipient edition being sent;
12 children (web server and its workers, task workers, scheduler) killed with SIGKILL at
random moments over a minute. The full run (50 kills over 10 minutes) is bench/soak.py.
"""

from __future__ import annotations

import os

import pytest

from tests.soak import soak

# Its processes use their own SQLite data folder whatever the suite runs on: once is enough.
pytestmark = [pytest.mark.slow, pytest.mark.sqlite_only, pytest.mark.timeout(600)]


def test_random_kill_9s_lose_nothing_duplicate_nothing_and_freeze_nothing(tmp_path):
    seed = int(os.environ.get("WIREDESK_SOAK_SEED", "0")) or int.from_bytes(os.urandom(4), "big")
    figures = soak(tmp_path, seconds=60, kills=12, recipients=300, rate=10, seed=seed)
    report = "\n".join([f"seed {seed} (WIREDESK_SOAK_SEED repeats it)", *figures.lines()])
    print("\n" + report)
    assert figures.kills >= 10, report
    assert figures.frozen == 0, report
    assert figures.left_claimed == 0 and figures.set_aside == 0, report
    assert figures.edition_done and figures.duplicates == 0 and figures.missed == 0, report
    assert figures.sources and figures.sources_late == 0, report
    # Served throughout: a restarted web server takes seconds to bind again, never longer.
    assert figures.answered > 0.8 * figures.requests and figures.longest_gap < 20, report

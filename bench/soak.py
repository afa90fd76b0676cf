"""Soak benchmark: `wiredesk run` under 50 kill -9s of random children over about 10 minutes.

    .venv/bin/python bench/soak.py [--seconds 600] [--kills 50] [--recipients 2000] [--rate 3]
                                   [--baseline-seconds 120] [--seed N]

The same harness as tests/core/test_soak.py (tests/soak.py), at full length: the demo wires
being ingested, an edition to ``--recipients`` subscribers being sent at ``--rate`` messages a
second (so that it is in flight the whole time), a reader asking a brand page every 0.2 s.
First a baseline run of ``--baseline-seconds`` with no kill on the same machine, so that the
longest gap between two answered pages can be read against what the machine does unharmed.
Exit status 1 if any target is missed (a frozen worker, a lost task, a duplicate or missed
email, a source not refreshed within its interval after the last kill).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wiredesk.project.settings")

from tests.soak import soak  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=600)
    parser.add_argument("--kills", type=int, default=50)
    parser.add_argument("--recipients", type=int, default=2000)
    parser.add_argument("--rate", type=float, default=3.0)
    parser.add_argument("--baseline-seconds", type=float, default=120)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    seed = args.seed or int.from_bytes(os.urandom(4), "big")

    with tempfile.TemporaryDirectory(prefix="wiredesk-soak-") as tmp:
        started = time.monotonic()
        print(f"baseline: {args.baseline_seconds:.0f} s, no kill", flush=True)
        base = soak(Path(tmp) / "baseline", seconds=args.baseline_seconds, kills=0,
                    recipients=max(1, int(args.rate * args.baseline_seconds * 0.8)), rate=args.rate, seed=seed)
        print(f"soak: {args.seconds:.0f} s, {args.kills} kills, seed {seed}", flush=True)
        run = soak(Path(tmp) / "soak", seconds=args.seconds, kills=args.kills, recipients=args.recipients,
                   rate=args.rate, seed=seed)
        took = time.monotonic() - started

    print()
    print(f"{'figure':32} {'soak':>14} {'baseline (no kill)':>20}")
    rows = [
        ("kill -9s", run.kills, base.kills),
        ("brand page requests answered", f"{run.answered}/{run.requests}", f"{base.answered}/{base.requests}"),
        ("answered share", f"{run.answered / max(1, run.requests):.4f}", f"{base.answered / max(1, base.requests):.4f}"),
        ("longest gap between answers, s", f"{run.longest_gap:.1f}", f"{base.longest_gap:.1f}"),
        ("longest gap / baseline", f"{run.longest_gap / max(0.2, base.longest_gap):.1f}x", "1.0x"),
        ("supervisor restarts", run.restarts, base.restarts),
        ("frozen workers (stale heartbeat)", run.frozen, base.frozen),
        ("tasks lost (claimed by the dead)", run.left_claimed, base.left_claimed),
        ("tasks set aside (dead table)", run.set_aside, base.set_aside),
        ("edition done", run.edition_done, base.edition_done),
        ("recipients", run.recipients, base.recipients),
        ("duplicate emails", run.duplicates, base.duplicates),
        ("missed recipients", run.missed, base.missed),
        ("unknown (killed mid-handover)", run.unknown, base.unknown),
        ("sources late after the last kill", f"{run.sources_late}/{run.sources}", f"{base.sources_late}/{base.sources}"),
        ("slowest refresh after last kill, s",
         f"{run.worst_refresh_after_kill:.0f} (<= {run.worst_refresh_allowed:.0f})",
         f"{base.worst_refresh_after_kill:.0f} (<= {base.worst_refresh_allowed:.0f})"),
    ]
    for name, a, b in rows:
        print(f"{name:32} {str(a):>14} {str(b):>20}")
    print(f"\nkilled: {dict(run.killed)}; seed {seed}; {took / 60:.1f} min in all")
    return 0 if run.ok() and base.ok() else 1


if __name__ == "__main__":
    sys.exit(main())

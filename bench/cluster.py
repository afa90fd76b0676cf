"""Story clustering benchmark: `wiredesk cluster` against two baselines on clustering-dev.

    .venv/bin/python bench/cluster.py [--data ../shared/data/clustering-dev] [--seed 7] [--skip-cost]

Quality, B-cubed precision/recall/F1 (averaged per item) and pairwise F1, on two versions of
the file, each scored for the project and both baselines in the same run:
- dev: the rows as they are, each row's time re-drawn at random within its UTC day (the data's
  collection times group a story's rows together; only the day may count);
- dense: the same stories packed into one week (each story starts on a random day of it,
  keeping the spacing of its own rows in days), so that many stories of similar topics run at
  once, as on a real desk.
Baselines: (1) exact normalised title; (2) single-pass TF-IDF cosine clustering in time order
within a 3-day window, its threshold tuned on the same data (the best F1 over a grid is
reported, which favours the baseline).

Speed: headlines per second through the `wiredesk cluster` command (a subprocess, start-up
included), next to the TF-IDF baseline's rate in the same run.

Cost: placing one more article through the pipeline's database store with 10,000 and with
1,000,000 articles stored (SQLite, the default install), median time of 300 placements
each, and their ratio.
"""

from __future__ import annotations

import argparse
import collections
import json
import math
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = ROOT.parent / "shared" / "data" / "clustering-dev"
DAY_MS = 86_400_000


def load(path: Path) -> list[list[str]]:
    with open(path, encoding="utf-8", newline="") as handle:
        return [line.rstrip("\r\n").split("\t") for line in handle if line.strip()]


def redraw_within_day(rows, rng):
    out = []
    for r in rows:
        day = int(r[7]) // DAY_MS
        out.append(r[:7] + [str(day * DAY_MS + rng.randrange(DAY_MS))])
    return out


def densify(rows, rng, days=7):
    first = {}
    for r in rows:
        d = int(r[7]) // DAY_MS
        first[r[5]] = min(first.get(r[5], d), d)
    start = {s: rng.randrange(days) for s in sorted(first)}
    out = []
    for r in rows:
        offset = min(int(r[7]) // DAY_MS - first[r[5]], 3)
        day = 20000 + start[r[5]] + offset
        out.append(r[:7] + [str(day * DAY_MS + rng.randrange(DAY_MS))])
    return out


# --- scoring --------------------------------------------------------------------------

def bcubed(gold: list[str], pred: list[str]) -> tuple[float, float, float]:
    by_gold = collections.Counter(gold)
    by_pred = collections.Counter(pred)
    both = collections.Counter(zip(gold, pred))
    p = sum(both[(g, c)] / by_pred[c] for g, c in zip(gold, pred)) / len(gold)
    r = sum(both[(g, c)] / by_gold[g] for g, c in zip(gold, pred)) / len(gold)
    return p, r, 2 * p * r / (p + r) if p + r else 0.0


def pairwise_f1(gold, pred) -> float:
    pairs = lambda counts: sum(n * (n - 1) // 2 for n in counts.values())  # noqa: E731
    tp = pairs(collections.Counter(zip(gold, pred)))
    pp, gp = pairs(collections.Counter(pred)), pairs(collections.Counter(gold))
    p, r = (tp / pp if pp else 0.0), (tp / gp if gp else 0.0)
    return 2 * p * r / (p + r) if p + r else 0.0


# --- baselines ------------------------------------------------------------------------

_TOKEN = re.compile(r"\w+", re.UNICODE)


def exact_title(rows):
    return [" ".join(_TOKEN.findall(r[1].lower())) for r in rows]


def tfidf_single_pass(rows, threshold, window_days=3):
    """Single pass in time order; each item joins the most similar cluster seen within the
    window (cosine to the cluster's mean TF-IDF vector) if at or above ``threshold``."""
    docs = [collections.Counter(_TOKEN.findall(r[1].lower())) for r in rows]
    df = collections.Counter(t for d in docs for t in d)
    n = len(docs)
    order = sorted(range(n), key=lambda i: int(rows[i][7]))
    postings: dict[str, set[int]] = collections.defaultdict(set)
    centroids: list[dict[str, float]] = []
    norms: list[float] = []
    last_day: list[int] = []
    out = [0] * n
    for i in order:
        vec = {t: c * (math.log((n + 1) / (df[t] + 1)) + 1) for t, c in docs[i].items()}
        norm = math.sqrt(sum(v * v for v in vec.values())) or 1.0
        vec = {t: v / norm for t, v in vec.items()}
        day = int(rows[i][7]) // DAY_MS
        cands = {c for t in vec for c in postings.get(t, ()) if day - last_day[c] <= window_days}
        best, best_sim = -1, threshold
        for c in cands:
            cen = centroids[c]
            sim = sum(w * cen.get(t, 0.0) for t, w in vec.items()) / (norms[c] or 1.0)
            if sim >= best_sim:
                best, best_sim = c, sim
        if best < 0:
            best = len(centroids)
            centroids.append({})
            norms.append(0.0)
            last_day.append(day)
        cen = centroids[best]
        for t, w in vec.items():
            cen[t] = cen.get(t, 0.0) + w
            postings[t].add(best)
        norms[best] = math.sqrt(sum(v * v for v in cen.values()))
        last_day[best] = max(last_day[best], day)
        out[i] = best
    return out


def tuned_tfidf(rows, gold):
    best = None
    for threshold in (0.02, 0.035, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3):
        pred = tfidf_single_pass(rows, threshold)
        f1 = bcubed(gold, pred)[2]
        if best is None or f1 > best[0]:
            best = (f1, threshold, pred)
    return best


# --- the project ----------------------------------------------------------------------

def run_command(rows) -> tuple[list[str], float]:
    with tempfile.NamedTemporaryFile("w", suffix=".tsv", delete=False, encoding="utf-8") as handle:
        handle.writelines("\t".join(r) + "\n" for r in rows)
        path = handle.name
    try:
        started = time.perf_counter()
        done = subprocess.run([str(ROOT / ".venv" / "bin" / "wiredesk"), "cluster", path, "--json"],
                              capture_output=True, text=True, check=True)
        elapsed = time.perf_counter() - started
    finally:
        os.unlink(path)
    by_id = {}
    for line in done.stdout.splitlines():
        obj = json.loads(line)
        by_id[obj["id"]] = obj["cluster"]
    return [by_id[r[0]] for r in rows], elapsed


def quality(name, rows):
    gold = [r[5] for r in rows]
    ours, _ = run_command(rows)
    f1_t, threshold, tf = tuned_tfidf(rows, gold)
    print(f"\n{name}: {len(rows)} headlines, {len(set(gold))} stories")
    print(f"  {'method':38} {'B3 P':>6} {'B3 R':>6} {'B3 F1':>6} {'pair F1':>8} {'clusters':>8}")
    results = {}
    for label, pred in (("exact normalised title", exact_title(rows)),
                        (f"TF-IDF single pass (tuned t={threshold})", tf),
                        ("wiredesk cluster", ours)):
        p, r, f = bcubed(gold, pred)
        results[label] = f
        print(f"  {label:38} {p:6.3f} {r:6.3f} {f:6.3f} {pairwise_f1(gold, pred):8.3f} {len(set(pred)):8d}")
    ours_f1 = results["wiredesk cluster"]
    print(f"  wiredesk - TF-IDF baseline: {ours_f1 - f1_t:+.3f} B3 F1 (target >= +0.05)")
    return ours_f1 - f1_t


def speed(rows):
    _, elapsed = run_command(rows)
    started = time.perf_counter()
    tfidf_single_pass(rows, 0.4)
    base = time.perf_counter() - started
    print(f"\nspeed: wiredesk cluster {len(rows) / elapsed:,.0f} headlines/s (command, start-up included; "
          f"target >= 2,000); TF-IDF baseline in-process {len(rows) / base:,.0f} headlines/s; ratio "
          f"{(len(rows) / elapsed) / (len(rows) / base):.2f}")


# --- cost with many stored ------------------------------------------------------------

def cost(rows, seed):
    """Time to place one article through the database store at 10k and 1M stored."""
    env = dict(os.environ)
    env.pop("DATABASE_URL", None)
    with tempfile.TemporaryDirectory() as tmp:
        env["WIREDESK_DATA_DIR"] = tmp
        done = subprocess.run([sys.executable, str(ROOT / "bench" / "cluster_cost.py"), "--seed", str(seed)],
                              env=env, capture_output=True, text=True)
        sys.stdout.write(done.stdout)
        if done.returncode:
            sys.stdout.write(done.stderr[-3000:])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--skip-cost", action="store_true")
    args = parser.parse_args()
    rows = load(args.data / "news-aggregator-dev.tsv")
    rng = random.Random(args.seed)
    dev = redraw_within_day(rows, rng)
    dense = densify(rows, rng)
    quality("dev (times re-drawn within their day)", dev)
    quality("dense (the same stories packed into one week)", dense)
    speed(dev)
    if not args.skip_cost:
        cost(rows, args.seed)


if __name__ == "__main__":
    main()

"""Extraction alone: wiredesk's article extraction against trafilatura alone, on the same pages.

    .venv/bin/python bench/extract.py [--data ../shared/data/extraction-dev] [--limit N] [--runs 3]

No fetching, no database: ``extract_article(html)`` (what a refresh does to each page) against
``trafilatura.extract(html)`` with its defaults, alternating chunk by chunk of 100 pages so that
drift in the machine's speed falls on both alike. Quality is scored as bench/ingest.py scores
it (the data set's README: snippet containment after whitespace normalisation, micro-averaged
precision, recall, accuracy and F1), on the article's body without its figures. Speed is the
median over the runs of trafilatura's time divided by ours (above 1: ours is faster).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from ingest import CHUNK, DEFAULT_DATA, FIGURE, load_pages, score  # noqa: E402


def ours(pages: dict[str, bytes]) -> tuple[float, dict[str, str]]:
    from wiredesk.ingest.extract import ExtractError, extract_article
    from wiredesk.text.sanitize import html_to_text

    outputs: dict[str, str] = {}
    started = time.perf_counter()
    for key, html in pages.items():
        try:
            outputs[key] = extract_article(html, url=f"https://bench.example/{key}").html
        except ExtractError:
            outputs[key] = ""
    elapsed = time.perf_counter() - started
    return elapsed, {k: html_to_text(FIGURE.sub(" ", v)) for k, v in outputs.items()}


def theirs(pages: dict[str, bytes]) -> tuple[float, dict[str, str]]:
    import trafilatura

    outputs: dict[str, str] = {}
    started = time.perf_counter()
    for key, html in pages.items():
        try:
            outputs[key] = trafilatura.extract(html) or ""
        except Exception:  # a crash counts as no output, as the data set's README says
            outputs[key] = ""
    return time.perf_counter() - started, outputs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    if not (args.data / "evaldata.json").exists():
        sys.exit(f"no evaldata.json under {args.data}; pass --data")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wiredesk.project.settings")
    os.environ.setdefault("WIREDESK_LOG_LEVEL", "ERROR")
    import django

    django.setup()
    pages, truth = load_pages(args.data, args.limit)
    keys = list(pages)
    chunks = [{k: pages[k] for k in keys[i:i + CHUNK]} for i in range(0, len(keys), CHUNK)]
    warm = dict(list(pages.items())[:20])
    ours(warm), theirs(warm)

    ratios, rates = [], []
    out_ours: dict[str, str] = {}
    out_theirs: dict[str, str] = {}
    for run in range(args.runs):
        t_ours = t_theirs = 0.0
        for chunk in chunks:
            elapsed, outputs = theirs(chunk)
            t_theirs += elapsed
            out_theirs.update(outputs)
            elapsed, outputs = ours(chunk)
            t_ours += elapsed
            out_ours.update(outputs)
        ratios.append(t_theirs / t_ours)
        rates.append((len(pages) / t_theirs, len(pages) / t_ours))
        print(f"  run {run + 1}: trafilatura alone {rates[-1][0]:6.1f} pages/s, wiredesk {rates[-1][1]:6.1f} pages/s, "
              f"speed ratio {ratios[-1]:.3f}", flush=True)

    q_theirs, q_ours = score(out_theirs, truth), score(out_ours, truth)
    print(f"pages: {len(pages)}; median of {args.runs} runs")
    print(f"speed, trafilatura's time / wiredesk's: {statistics.median(ratios):.3f} (target >= 1.0)")
    print("quality (precision / recall / accuracy / F1):")
    for name, q in (("trafilatura alone", q_theirs), ("wiredesk", q_ours)):
        print(f"  {name:18s} {q['precision']:.4f} / {q['recall']:.4f} / {q['accuracy']:.4f} / {q['f1']:.4f}")
    print(f"F1 difference: {q_ours['f1'] - q_theirs['f1']:+.4f}")


if __name__ == "__main__":
    main()

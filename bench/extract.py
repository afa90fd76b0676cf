"""Extraction alone: wiredesk's article extraction against trafilatura alone, on the same pages.

    .venv/bin/python bench/extract.py [--data ../shared/data/extraction-dev] [--limit N] [--runs 3]

No fetching, no database: ``extract_article(html)`` (what a refresh does to each page) against
``trafilatura.extract(html)`` with its defaults, alternating chunk by chunk of 100 pages so that
drift in the machine's speed falls on both alike. Quality is scored as bench/ingest.py scores
it (the data set's README: snippet containment after whitespace normalisation, micro-averaged
precision, recall, accuracy and F1), on the article's body without its figures. Speed is the
median over the runs of trafilatura's time divided by ours (above 1: ours is faster).

Then the per-source furniture learning (wiredesk/ingest/extract/furniture.py), measured by
grouping the pages by host (the archived site's host for web.archive.org copies): each page of
a host with enough pages is extracted with what the host's *other* pages taught, and scored
against the same pages extracted without it.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from ingest import CHUNK, DEFAULT_DATA, FIGURE, baseline, load_pages, score  # noqa: E402


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


# trafilatura alone, with its defaults: the same baseline bench/ingest.py times.
theirs = baseline


def _host(url: str) -> str:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    if parts.hostname == "web.archive.org" and "/http" in parts.path:
        return _host(parts.path[parts.path.index("/http") + 1:])
    return parts.hostname or ""


def by_host(data: Path, pages: dict[str, bytes], truth: dict[str, dict]) -> None:
    from wiredesk.ingest.extract import ExtractError, extract_article
    from wiredesk.ingest.extract.furniture import MIN_PAGES, Profile
    from wiredesk.text.sanitize import html_to_text

    urls = sorted(json.loads((data / "evaldata.json").read_text()))
    hosts: dict[str, list[str]] = {}
    for key, url in zip(pages, urls):
        hosts.setdefault(_host(url), []).append(key)
    groups = {h: keys for h, keys in hosts.items() if h and len(keys) > MIN_PAGES}
    print(f"furniture learning: {len(hosts)} hosts; {len(groups)} with more than {MIN_PAGES} pages "
          f"(a page learns from the others of its host)")
    if not groups:
        print("  no host has enough pages here: the learning cannot act on this set (see the generated-site test)")
        return
    lines, plain, learned = {}, {}, {}
    for keys in groups.values():
        for key in keys:
            try:
                lines[key] = extract_article(pages[key], url=f"https://bench.example/{key}").lines
            except ExtractError:
                lines[key] = frozenset()
        for key in keys:
            profile = Profile()
            profile.learn([lines[k] for k in keys if k != key])
            for out, furniture in ((plain, frozenset()), (learned, profile.furniture())):
                try:
                    html = extract_article(pages[key], url=f"https://bench.example/{key}", furniture=furniture).html
                except ExtractError:
                    html = ""
                out[key] = html_to_text(FIGURE.sub(" ", html))
    subset = {k: truth[k] for k in plain}
    for name, out in (("without learning", plain), ("with learning", learned)):
        q = score(out, subset)
        print(f"  {name:17s} {q['precision']:.4f} / {q['recall']:.4f} / {q['accuracy']:.4f} / {q['f1']:.4f} on {len(subset)} pages")


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
    by_host(args.data, pages, truth)


if __name__ == "__main__":
    main()

"""Near-duplicate benchmark: which copies of one story the copy signature links, and which
different stories it keeps apart, next to the exact fingerprint the pipeline used before.

    .venv/bin/python bench/neardup.py [--data ../shared/data] [--limit N] [--seed 1]

The texts are the 990 pages of ``extraction-dev`` (read where they are, never copied): each
page's main text is extracted with the pipeline's own extractor, and turned into a wire item
(title, paragraphs, a credit line). From each item a seeded generator makes the reissues a
desk sees:
- ``reissue``: an editor's note before or after the body, a title prefix ("UPDATE 1-"), a new time;
- ``headline``: the headline's punctuation changed (quotes, colon for dash, a final mark);
- ``para_added``: a paragraph added (taken from another page);
- ``para_removed``: one paragraph removed;
- ``para_reworded``: one paragraph reworded (words dropped and swapped);
- ``credit``: the credit line and the trailing agency tag changed;
- ``words``: a few words corrected (a letter changed in each);
- ``combined``: a note, new punctuation, a paragraph added, words corrected and a new credit.
Every variant goes through the real normalize stage (the note lifting included) and is
paired with its original: the positive pairs. The negative pairs are every pair of
distinct pages; the hard ones among them are listed apart: pages of the same host and
each page's most similar other page. Excerpt-only items (headline and the first 25 words)
are measured too, as their own positives (a reissued excerpt) and negatives.

For each threshold it prints recall per variant, false positives and precision, once on the
estimated similarity alone and once through the LSH bands (a pair found only when it shares
a band, as the pipeline finds candidates). The baseline is the exact content fingerprint.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import json
import random
import re
import sys
import time
import urllib.parse
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from wiredesk.ingest.extract import ExtractError, extract_article  # noqa: E402
from wiredesk.ingest.normalize import normalize  # noqa: E402
from wiredesk.ingest.types import RawItem, SourcePolicy  # noqa: E402
from wiredesk.text import copies  # noqa: E402

NOW = dt.datetime(2026, 11, 20, 12, tzinfo=dt.timezone.utc)
POLICY = SourcePolicy(credit="Bench Wire")
EXCERPT = SourcePolicy(credit="Bench Wire", full_text=False)
NOTES_BEFORE = ["REPEAT", "(Corrects spelling of name in paragraph 2)", "Editor's note: refiled to fix a typo.",
                "(Updates with comment from officials)", "CORRECTION: An earlier version gave the wrong date."]
NOTES_AFTER = ["(Adds quote from spokesperson)", "Repeats to more subscribers", "Refiled to fix typo",
               "(This story has been corrected to fix the headline)"]
PREFIXES = ["UPDATE 1-", "CORRECTED-", "REFILE-", "(REPEAT) ", "UPDATE 2-"]
NAMES = ["Ana Reyes", "Tom Okafor", "Lena Brandt", "Ravi Menon", "Sofia Lind", "Paul Ades"]
AGENCIES = ["Harbour Wire", "Northgate Press", "Lakeside Newswire"]
THRESHOLDS = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)
KINDS = ("reissue", "headline", "para_added", "para_removed", "para_reworded", "credit", "words", "combined")
# (bands, rows) compared: each fits in the signature's values (a band past its end would be empty)
CONFIGS = tuple((b, r) for b, r in ((16, 4), (20, 3), (32, 2), (21, 3), (16, 2)) if b * r <= copies.NUM_PERM)


def load(data: Path, limit: int | None) -> list[dict]:
    truth = json.loads((data / "extraction-dev" / "evaldata.json").read_text())
    docs = []
    for url, gold in list(truth.items())[:limit]:
        try:
            raw = gzip.decompress((data / "extraction-dev" / "html" / f"{gold['file']}.gz").read_bytes())
            got = extract_article(raw, url=url)
        except (ExtractError, OSError):
            continue
        paragraphs = [p for p in got.text.split("\n") if len(p.split()) >= 3]
        if not paragraphs:
            continue
        docs.append({"url": url, "host": urllib.parse.urlsplit(url).hostname or "",
                     "title": (gold.get("title") or got.title or paragraphs[0][:80]).strip(), "paras": paragraphs})
    return docs


def credit_line(rng: random.Random) -> list[str]:
    a, b = rng.sample(NAMES, 2)
    return [f"(Reporting by {a}; Editing by {b})", f"({rng.choice(AGENCIES)})"]


def item(title: str, paras: list[str], *, when=NOW, policy=POLICY):
    html = "".join(f"<p>{p.replace('&', '&amp;').replace('<', '&lt;')}</p>" for p in paras)
    raw = RawItem(guid=None, link=None, title=title, content_html=html, summary_html=html, published=when)
    return normalize(raw, policy=policy, now=NOW)


def punctuate(title: str, rng: random.Random) -> str:
    changed = title.replace(" - ", ": ").replace(":", " -").replace("'", "’").replace('"', "“")
    if changed == title:
        changed = title.rstrip(".!?") + rng.choice(["!", "?", "...", " -"])
    return changed


def reword(paragraph: str, rng: random.Random) -> str:
    words = paragraph.split()
    kept = [w for w in words if rng.random() > 0.2] or words
    for _ in range(max(1, len(kept) // 8)):
        i = rng.randrange(max(1, len(kept) - 1))
        kept[i : i + 2] = kept[i : i + 2][::-1]
    return " ".join(kept)


def misspell_fix(paras: list[str], rng: random.Random, count: int = 3) -> list[str]:
    out = list(paras)
    for _ in range(count):
        i = rng.randrange(len(out))
        words = out[i].split()
        j = rng.randrange(len(words))
        w = words[j]
        if len(w) > 3:
            k = rng.randrange(1, len(w) - 1)
            words[j] = w[:k] + ("e" if w[k] != "e" else "a") + w[k + 1 :]
        out[i] = " ".join(words)
    return out


def variants(doc: dict, other: dict, rng: random.Random) -> dict[str, tuple[str, list[str], dt.datetime]]:
    body, credit = doc["paras"], credit_line(rng)
    later = NOW + dt.timedelta(hours=rng.randint(1, 30))
    insert_at = rng.randint(1, len(body))
    added = body[:insert_at] + [rng.choice(other["paras"])] + body[insert_at:]
    removed = body if len(body) < 2 else [p for i, p in enumerate(body) if i != rng.randrange(len(body))]
    r = rng.randrange(len(body))
    reworded = body[:r] + [reword(body[r], rng)] + body[r + 1 :]
    note_first = rng.random() < 0.5
    note = rng.choice(NOTES_BEFORE if note_first else NOTES_AFTER)
    noted = ([note] + body + credit) if note_first else (body + credit + [note])
    combined = misspell_fix(added, rng) + credit_line(rng)
    combined = [rng.choice(NOTES_BEFORE)] + combined
    return {
        "reissue": (rng.choice(PREFIXES) + doc["title"], noted, later),
        "headline": (punctuate(doc["title"], rng), body + credit, NOW),
        "para_added": (doc["title"], added + credit, NOW),
        "para_removed": (doc["title"], removed + credit, NOW),
        "para_reworded": (doc["title"], reworded + credit, NOW),
        "credit": (doc["title"], body + credit_line(rng), NOW),
        "words": (doc["title"], misspell_fix(body, rng) + credit, NOW),
        "combined": (rng.choice(PREFIXES) + punctuate(doc["title"], rng), combined, later),
    }


def sig_matrix(signatures: list[bytes]) -> np.ndarray:
    # Short and long signatures never compare: the kind byte goes in as a value of its own.
    return np.stack([np.frombuffer(s[:1] * 4 + s[1:], dtype="<u4") for s in signatures])


def band_sets(signatures: list[bytes], bands: int, rows: int) -> list[set[int]]:
    return [set(copies.band_keys(s, bands=bands, rows=rows)) for s in signatures]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data",
                        help="folder holding extraction-dev (default ../shared/data next to the repo)")
    parser.add_argument("--limit", type=int, default=None, help="use only the first N pages")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    started = time.monotonic()
    docs = load(args.data, args.limit)
    print(f"pages with text: {len(docs)} (extracted in {time.monotonic() - started:.0f} s)")

    # --- items: originals, variants, excerpts, all through normalize ---------------------
    started = time.monotonic()
    originals, positives = [], []  # positives: (kind, original index, item)
    for i, doc in enumerate(docs):
        credit = credit_line(random.Random(f"{args.seed}-{i}"))
        originals.append(item(doc["title"], doc["paras"] + credit))
    for i, doc in enumerate(docs):
        other = docs[(i + 1 + rng.randrange(len(docs) - 1)) % len(docs)]
        for kind, (title, paras, when) in variants(doc, other, rng).items():
            positives.append((kind, i, item(title, paras, when=when)))
    # Same-topic negatives: the two halves of one long page (one subject, its names and
    # words, different sentences), and a follow-up story that reuses two background
    # paragraphs of the original (another page's four opening paragraphs, then two of its).
    topic_pairs = []  # (kind, item a, item b)
    for i, doc in enumerate(docs):
        paras = doc["paras"]
        if len(paras) >= 6:
            half = len(paras) // 2
            topic_pairs.append(("halves", item(doc["title"], paras[:half]), item(doc["title"], paras[half:])))
            other = docs[(i + 7) % len(docs)]["paras"][:4]
            topic_pairs.append(("follow_up", originals[i], item(doc["title"], other + paras[-2:])))
    excerpts = [item(d["title"], d["paras"], policy=EXCERPT) for d in docs]
    excerpt_reissues = [item(rng.choice(PREFIXES) + punctuate(d["title"], rng), d["paras"], policy=EXCERPT) for d in docs]
    per_item = (time.monotonic() - started) / (len(originals) + len(positives) + 2 * len(docs))
    words = np.array([len(o.text.split()) for o in originals])
    notes_lifted = sum(1 for kind, _, p in positives if kind in ("reissue", "combined") and p.editor_notes)
    notes_total = sum(1 for kind, _, _ in positives if kind in ("reissue", "combined"))
    print(f"items normalized: {len(originals) + len(positives) + 2 * len(docs)} ({per_item * 1000:.1f} ms each, "
          f"signature included); body words: median {int(np.median(words))}, "
          f"{int((words < copies.MIN_BODY_WORDS).sum())} under {copies.MIN_BODY_WORDS}")
    print(f"editor's notes lifted from the reissues: {notes_lifted} of {notes_total}")

    # --- baseline: the exact fingerprint ------------------------------------------------
    fps = [o.fingerprint for o in originals]
    base_tp = {k: 0 for k in KINDS}
    for kind, i, p in positives:
        base_tp[kind] += p.fingerprint == fps[i]
    counts: dict[str, int] = {}
    for f in fps:
        counts[f] = counts.get(f, 0) + 1
    base_fp = sum(c * (c - 1) // 2 for c in counts.values())

    # --- similarities ---------------------------------------------------------------------
    n = len(originals)
    orig_sigs = [o.copy_signature for o in originals]
    have = np.array([bool(s) for s in orig_sigs])
    filler = bytes(1 + 4 * copies.NUM_PERM)
    S = sig_matrix([s or filler for s in orig_sigs])
    neg_sims, same_host, nearest = [], [], np.zeros(n)
    pairs_i, pairs_j = [], []
    for i in range(n - 1):
        sims = (S[i + 1 :] == S[i]).mean(axis=1)
        sims[~have[i + 1 :]] = 0.0
        if not have[i]:
            sims[:] = 0.0
        neg_sims.append(sims)
        pairs_i.append(np.full(len(sims), i))
        pairs_j.append(np.arange(i + 1, n))
    neg = np.concatenate(neg_sims)
    pi, pj = np.concatenate(pairs_i), np.concatenate(pairs_j)
    for i in range(n):
        mask = (pi == i) | (pj == i)
        nearest[i] = neg[mask].max() if mask.any() else 0.0
    hosts = np.array([d["host"] for d in docs])
    host_mask = (hosts[pi] == hosts[pj]) & (hosts[pi] != "")
    pos_kind = np.array([k for k, _, _ in positives])
    pos_sim = np.array([copies.similarity(p.copy_signature, orig_sigs[i]) for _, i, p in positives])
    topic_kind = np.array([k for k, _, _ in topic_pairs])
    topic_sim = np.array([copies.similarity(a.copy_signature, b.copy_signature) for _, a, b in topic_pairs])
    short = np.array([len(originals[i].text.split()) < 150 for _, i, _ in positives])
    ex_sigs = [e.copy_signature for e in excerpts]
    ex_pos = np.array([copies.similarity(r.copy_signature, s) for r, s in zip(excerpt_reissues, ex_sigs)])
    exS = sig_matrix([s or filler for s in ex_sigs])
    ex_have = np.array([bool(s) for s in ex_sigs])
    ex_neg = np.concatenate([np.where(ex_have[i + 1 :] & ex_have[i], (exS[i + 1 :] == exS[i]).mean(axis=1), 0.0)
                             for i in range(n - 1)])

    print(f"\npairs: {len(positives)} positive ({len(positives) // len(KINDS)} per variant), {len(neg)} negative "
          f"({int(host_mask.sum())} of one host); excerpt-only: {n} positive, {len(ex_neg)} negative")
    for kind in ("halves", "follow_up"):
        sims = topic_sim[topic_kind == kind]
        print(f"same-topic negatives, {kind}: {len(sims)} pairs, similarity median {np.median(sims):.3f}, "
              f"95th percentile {np.quantile(sims, 0.95):.3f}, max {sims.max():.3f}")
    print(f"negatives' similarity: mean {neg.mean():.3f}, 99.9th percentile {np.quantile(neg, 0.999):.3f}, "
          f"max {neg.max():.3f}; each page's nearest other page: median {np.median(nearest):.3f}, "
          f"95th percentile {np.quantile(nearest, 0.95):.3f}")

    # --- LSH candidates for the chosen configuration -----------------------------------
    pos_bands_hit = {}
    neg_cand_rate = {}
    for bands, rows in CONFIGS:
        ob = band_sets(orig_sigs, bands, rows)
        pos_bands_hit[(bands, rows)] = np.array([bool(ob[i] & set(copies.band_keys(p.copy_signature, bands=bands, rows=rows)))
                                                 for _, i, p in positives])
        index: dict[int, list[int]] = {}
        for i, keys in enumerate(ob):
            for k in keys:
                index.setdefault(k, []).append(i)
        cand = sum(len(set(j for k in keys for j in index[k]) - {i}) for i, keys in enumerate(ob))
        neg_cand_rate[(bands, rows)] = cand / (n * (n - 1))
    chosen = (copies.BANDS, copies.ROWS)
    lsh = pos_bands_hit[chosen]

    print(f"\nbaseline, exact fingerprint: recall {sum(base_tp.values()) / len(positives):.3f} "
          + " ".join(f"{k}={base_tp[k] / (len(positives) // len(KINDS)):.2f}" for k in KINDS)
          + f"; false positives {base_fp}")
    print(f"\ncopy signature ({copies.NUM_PERM} values, {copies.SHINGLE_WORDS}-word shingles), similarity alone / through "
          f"{chosen[0]} bands of {chosen[1]}:")
    header = "thr   recall  via-LSH  " + " ".join(f"{k[:9]:>9}" for k in KINDS) + "  short   FP  FP-topic  precision  F1     excerpt R / FP"
    print(header)
    per = len(positives) // len(KINDS)
    for t in THRESHOLDS:
        hit = pos_sim >= t
        via = hit & lsh
        fp_topic = int((topic_sim >= t).sum())
        fp = int((neg >= t).sum()) + fp_topic
        tp = int(via.sum())
        precision = tp / (tp + fp) if tp + fp else 1.0
        recall = tp / len(positives)
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        short_recall = via[short].mean() if short.any() else float("nan")
        kinds = " ".join(f"{(via & (pos_kind == k)).sum() / per:9.3f}" for k in KINDS)
        ex_r = (ex_pos >= t).mean()
        ex_fp = int((ex_neg >= t).sum())
        mark = "  <- chosen" if abs(t - copies.THRESHOLD) < 1e-9 else ""
        print(f"{t:.1f}  {hit.mean():7.3f}  {via.mean():7.3f}  {kinds} {short_recall:6.3f} {fp:4d}  {fp_topic:8d}  {precision:9.4f}  {f1:.3f}  "
              f"{ex_r:.3f} / {ex_fp}{mark}")

    print("\nLSH (bands x rows): candidate recall of the positives, candidate rate among negative pairs, rows per article")
    for cfg in CONFIGS:
        b, r = cfg
        print(f"  {b:2d} x {r}: recall {pos_bands_hit[cfg].mean():.4f}  negatives as candidates "
              f"{neg_cand_rate[cfg]:.5f}  rows {b}" + ("  <- chosen" if cfg == chosen else ""))

    print("\nshingle size (similarity alone, best threshold of the list by F1 over all pairs):")
    for size in (2, 3, 4, 5, 6):
        osig = [copies.signature_of(copies.shingles(copies.copy_words(o.title, o.text), size)) for o in originals]
        psig = np.array([copies.similarity(copies.signature_of(copies.shingles(copies.copy_words(p.title, p.text), size)),
                                           osig[i]) for _, i, p in positives])
        M = sig_matrix([s or filler for s in osig])
        h = np.array([bool(s) for s in osig])
        nsims = np.concatenate([np.where(h[i + 1 :] & h[i], (M[i + 1 :] == M[i]).mean(axis=1), 0.0) for i in range(n - 1)])
        best = None
        for t in THRESHOLDS:
            tp = int((psig >= t).sum())
            fp = int((nsims >= t).sum())
            p_ = tp / (tp + fp) if tp + fp else 1.0
            r_ = tp / len(psig)
            f = 2 * p_ * r_ / (p_ + r_) if p_ + r_ else 0.0
            if best is None or f > best[0]:
                best = (f, t, r_, fp, (psig[pos_kind == "para_reworded"] >= t).mean())
        print(f"  {size} words: best F1 {best[0]:.4f} at {best[1]:.1f} (recall {best[2]:.3f}, reworded {best[4]:.3f}, "
              f"false positives {best[3]})" + ("  <- chosen" if size == copies.SHINGLE_WORDS else ""))

    worst = np.argsort(-neg)[:5]
    print("\nmost similar negative pairs (are they the same text?):")
    for w in worst:
        print(f"  {neg[w]:.3f}  {docs[pi[w]]['url'][:70]}  |  {docs[pj[w]]['url'][:70]}")


if __name__ == "__main__":
    main()

"""Ingest benchmark: the whole pipeline against trafilatura alone, on the same 990 pages.

    .venv/bin/python bench/ingest.py [--data ../shared/data/extraction-dev] [--limit N] [--preload 200000]

After an untimed warm-up on 30 pages (imports, first uses, as a running worker has behind it),
each run alternates, chunk by chunk of 100 pages:
1. baseline: ``trafilatura.extract(html)`` on each page of the chunk, timed;
2. pipeline: one ``source_refresh`` of a summary-only RSS feed linking the chunk's pages,
   served on loopback: it fetches the feed, robots.txt and every page through the guarded
   client, extracts, normalizes, dedups and stores them in SQLite. Timed.
Both see the machine in the same few seconds, so drift in its speed (other tenants of a shared
host) falls on both alike. Quality is scored on the first run (baseline output; stored article
text). What a run stored is removed before the next, so each starts from the same database;
the median of the runs is reported. Then ``--preload`` articles (default 200,000) are stored
and the runs are repeated.

Scoring follows the data set's README: snippet containment after whitespace normalisation,
micro-averaged precision, recall, accuracy and F1.
"""

from __future__ import annotations

import argparse
import gzip
import http.server
import json
import shutil
import socket
import subprocess
import multiprocessing
import os
import re
import socketserver
import sys
import tempfile
import time
from pathlib import Path
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = ROOT.parent / "shared" / "data" / "extraction-dev"
_WS = re.compile(r"\s+")
# Captions and photo credits are kept with each image, but the annotators of this set mark
# photo credits as boilerplate: the main text that is scored is the body without its figures.
FIGURE = re.compile(r"<figure\b.*?</figure>", re.S | re.I)


def norm(text: str) -> str:
    return _WS.sub(" ", text or "").strip()


def score(outputs: dict[str, str], truth: dict[str, dict]) -> dict[str, float]:
    tp = fn = fp = tn = 0
    for key, gold in truth.items():
        text = norm(outputs.get(key, ""))
        for snippet in gold.get("with") or []:
            if norm(snippet) in text and text:
                tp += 1
            else:
                fn += 1
        for snippet in gold.get("without") or []:
            if norm(snippet) in text and text:
                fp += 1
            else:
                tn += 1
    total = tp + fn + fp + tn
    return {
        "precision": tp / (tp + fp) if tp + fp else 0.0,
        "recall": tp / (tp + fn) if tp + fn else 0.0,
        "accuracy": (tp + tn) / total if total else 0.0,
        "f1": 2 * tp / (2 * tp + fp + fn) if tp else 0.0,
    }


def load_pages(data: Path, limit: int | None) -> tuple[dict[str, bytes], dict[str, dict]]:
    truth_all = json.loads((data / "evaldata.json").read_text())
    pages: dict[str, bytes] = {}
    truth: dict[str, dict] = {}
    for n, (url, gold) in enumerate(sorted(truth_all.items())):
        if limit and n >= limit:
            break
        key = f"p{n:04d}"
        pages[key] = gzip.decompress((data / "html" / (gold["file"] + ".gz")).read_bytes())
        truth[key] = gold
    return pages, truth


class _Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True


def serve_nginx(pages: dict[str, bytes], prefix: str) -> tuple[subprocess.Popen, str] | None:
    """The fixture wire from nginx when it is installed: the server then takes next to no
    CPU from the two cores the pipeline and its page fetches share (a remote wire takes none).
    """
    nginx = shutil.which("nginx") or ("/usr/sbin/nginx" if os.path.exists("/usr/sbin/nginx") else None)
    if nginx is None:
        return None
    root = Path(tempfile.mkdtemp(prefix="wire-"))
    os.chmod(root, 0o755)  # nginx workers drop root privileges
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    (root / prefix).mkdir()
    for key, html in pages.items():
        (root / prefix / key).write_bytes(html)
    for k, chunk in enumerate(chunked(pages)):
        (root / prefix / f"feed-{k}.xml").write_bytes(_feed(chunk, prefix, base))
    (root / "robots.txt").write_bytes(b"User-agent: *\nAllow: /\n")
    conf = root / "nginx.conf"
    conf.write_text(
        f"worker_processes 1; pid {root}/nginx.pid; error_log {root}/error.log;\n"
        "events { worker_connections 256; }\n"
        f"http {{ access_log off; sendfile on; client_body_temp_path {root}/b; proxy_temp_path {root}/p;"
        f" fastcgi_temp_path {root}/f; uwsgi_temp_path {root}/u; scgi_temp_path {root}/s;"
        f" types {{ application/rss+xml xml; text/plain txt; }} default_type text/html;"
        f" server {{ listen 127.0.0.1:{port}; root {root}; }} }}\n"
    )
    proc = subprocess.Popen([nginx, "-c", str(conf), "-g", "daemon off;"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return proc, base
        except OSError:
            time.sleep(0.1)
    proc.kill()
    return None


CHUNK = 100  # pages per feed: baseline and pipeline alternate chunk by chunk


def chunked(pages: dict[str, bytes]) -> list[dict[str, bytes]]:
    keys = list(pages)
    return [{k: pages[k] for k in keys[i : i + CHUNK]} for i in range(0, len(keys), CHUNK)]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _feed(pages: dict[str, bytes], prefix: str, base: str) -> bytes:
    items = "".join(
        f"<item><guid isPermaLink=\"false\">{prefix}-{key}</guid><title>Document {key}</title>"
        f"<link>{base}/{prefix}/{key}</link><description>Summary only.</description></item>"
        for key in pages
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>bench</title>'
        f"<link>{escape(base)}/</link><description>d</description>{items}</channel></rss>"
    ).encode()


def serve(pages: dict[str, bytes], prefix: str) -> tuple[multiprocessing.Process, str]:
    """The fixture wire in its own Python process (when nginx is not installed)."""
    ready: multiprocessing.Queue = multiprocessing.Queue()
    proc = multiprocessing.get_context("fork").Process(target=_serve_forever, args=(pages, prefix, ready), daemon=True)
    proc.start()
    return proc, ready.get(timeout=30)


def _serve_forever(pages: dict[str, bytes], prefix: str, ready) -> None:
    """/<prefix>/feed-K.xml (summary-only, one per chunk), robots.txt and one page per document."""

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # headers and body go out at once on keep-alive

        def log_message(self, *args) -> None:
            pass

        def do_GET(self) -> None:
            path = self.path.split("?", 1)[0]
            name = path.rsplit("/", 1)[-1]
            status, body, ctype = 200, b"", "text/html"
            if path == "/robots.txt":
                body, ctype = b"User-agent: *\nAllow: /\n", "text/plain"
            elif path.startswith(f"/{prefix}/feed-") and name in feeds:
                body, ctype = feeds[name], "application/rss+xml; charset=utf-8"
            elif path.startswith(f"/{prefix}/") and name in pages:
                body = pages[name]  # no charset: the pages carry several, the pipeline sniffs
            else:
                status, body, ctype = 404, b"not found", "text/plain"
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = _Server(("127.0.0.1", 0), Handler)
    base = f"http://127.0.0.1:{server.server_address[1]}"
    feeds = {f"feed-{k}.xml": _feed(chunk, prefix, base) for k, chunk in enumerate(chunked(pages))}
    ready.put(base)
    server.serve_forever()


def django_setup(data_dir: str) -> None:
    os.environ["WIREDESK_DATA_DIR"] = data_dir
    os.environ["WIREDESK_FETCH_ALLOW_NETWORKS"] = "127.0.0.1/32"
    os.environ["WIREDESK_FETCH_DEADLINE"] = "60"
    os.environ["WIREDESK_LOG_LEVEL"] = "WARNING"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wiredesk.project.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def baseline(pages: dict[str, bytes]) -> tuple[float, dict[str, str]]:
    import trafilatura

    outputs: dict[str, str] = {}
    started = time.perf_counter()
    for key, html in pages.items():
        try:
            outputs[key] = trafilatura.extract(html) or ""
        except Exception:  # a crash counts as no output, as the README says
            outputs[key] = ""
    return time.perf_counter() - started, outputs


def measure(pages: dict[str, bytes], prefix: str) -> dict:
    """Baseline and pipeline, alternating chunk by chunk over the same pages."""
    from wiredesk.ingest.services import source_refresh
    from wiredesk.sources.models import Source
    from wiredesk.stories.models import Article
    from wiredesk.text.sanitize import html_to_text

    served = serve_nginx(pages, prefix)
    server, base = served if served else serve(pages, prefix)
    totals = {"base_t": 0.0, "pipe_t": 0.0, "new": 0, "failed_items": 0, "status": set()}
    base_out: dict[str, str] = {}
    try:
        for k, chunk in enumerate(chunked(pages)):
            elapsed, outputs = baseline(chunk)
            totals["base_t"] += elapsed
            base_out.update(outputs)
            source = Source.objects.create(name=f"bench {prefix} {k}", credit="bench", feed_url=f"{base}/{prefix}/feed-{k}.xml")
            started = time.perf_counter()
            report = source_refresh(source_id=source.id)
            totals["pipe_t"] += time.perf_counter() - started
            totals["new"] += report.new
            totals["failed_items"] += report.failed_items
            totals["status"].add(report.status)
    finally:
        server.terminate()
        server.wait() if isinstance(server, subprocess.Popen) else server.join()
    pipe_out: dict[str, str] = {}
    for a in Article.objects.filter(source__name__startswith=f"bench {prefix} ").only("canonical_url", "body_html"):
        key = a.canonical_url.rstrip("/").rsplit("/", 1)[1]
        pipe_out[key] = html_to_text(FIGURE.sub(" ", a.body_html))
    totals.update(base_out=base_out, pipe_out=pipe_out)
    return totals


def preload(n: int) -> float:
    """Store n synthetic articles of another source, as a busy site would have."""
    import datetime as dt
    import hashlib

    from django.utils import timezone

    from storage import settle_database, store_articles
    from wiredesk.sources.models import Source
    from wiredesk.stories.models import Article

    def sha(text: str) -> str:
        return hashlib.sha256(text.encode()).hexdigest()

    started = time.perf_counter()
    src = Source.objects.create(name="preloaded", credit="preloaded", feed_url="https://preloaded.example/feed")
    now = timezone.now()
    store_articles(
        Article(
            source=src, guid=f"pre-{i}", guid_key=sha(f"pre-{i}"), canonical_url=f"https://preloaded.example/news/{i}",
            url_key=sha(f"https://preloaded.example/news/{i}"), slug=f"story-{i}", title=f"Synthetic story {i}",
            body_html=f"<p>Body of synthetic story {i} about the harbour and the council.</p>",
            lead_text=f"Body of synthetic story {i}", published_at=now - dt.timedelta(minutes=i),
            section=("world", "business", "technology", "sports")[i % 4], language="en",
            fingerprint=sha(f"fp{i}"), raw_hash=sha(f"r{i}"),
        )
        for i in range(n)
    )
    settle_database()
    return time.perf_counter() - started


def clear(prefix: str) -> None:
    """Remove what a measurement stored, so the next one starts from the same database."""
    from wiredesk.search.services import search_index_update
    from wiredesk.sources.models import Source
    from wiredesk.stories.models import Article, Story

    sources = Source.objects.filter(name__startswith=f"bench {prefix} ")
    ids = list(Article.objects.filter(source__in=sources).values_list("id", flat=True))
    # Their stories go too: left behind, the next run's copies of the same pages would join
    # them (an orphaned story, its lead deleted, is rebuilt on its next member), which is
    # work no first ingest of a page does.
    stories = set(Article.objects.filter(id__in=ids, story__isnull=False).values_list("story_id", flat=True))
    Article.objects.filter(id__in=ids).delete()
    Story.objects.filter(id__in=stories).delete()
    sources.delete()
    search_index_update(article_ids=ids)


def phase(pages: dict[str, bytes], truth: dict[str, dict], label: str, count: int) -> dict:
    """``count`` measurements, each on the same database (what one stored is removed)."""
    ratios, rates, quality, report = [], [], {}, {}
    for r in range(count):
        m = measure(pages, f"{label}{r}")
        if r == 0:
            quality = {"base": score(m["base_out"], truth), "pipe": score(m["pipe_out"], truth)}
            report = m
        clear(f"{label}{r}")
        ratios.append(m["base_t"] / m["pipe_t"])
        rates.append((len(pages) / m["base_t"], len(pages) / m["pipe_t"]))
        print(f"  {label} run {r + 1}: trafilatura alone {rates[-1][0]:6.1f} pages/s, pipeline {rates[-1][1]:6.1f} pages/s, "
              f"ratio {ratios[-1]:.2f}", flush=True)
    return {"ratios": ratios, "rates": rates, "quality": quality, "report": report}


def median(values: list[float]) -> float:
    ordered = sorted(values)
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--limit", type=int, default=None, help="use only the first N pages")
    parser.add_argument("--preload", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=3, help="measurements per phase (the median is reported)")
    args = parser.parse_args()
    if not (args.data / "evaldata.json").exists():
        sys.exit(f"no evaldata.json under {args.data}; pass --data")

    pages, truth = load_pages(args.data, args.limit)
    n = len(pages)
    with tempfile.TemporaryDirectory() as tmp:
        django_setup(tmp)
        from wiredesk.text.language import detect_language

        # Warm-up, not timed: imports, trafilatura's and the language model's first use, the
        # database's first statements. A running worker has all of that behind it.
        detect_language("warm the language model up, as a running worker has it")
        measure(dict(list(pages.items())[:30]), "warm")
        clear("warm")
        empty = phase(pages, truth, "empty", args.runs)
        loaded_t = preload(args.preload) if args.preload else 0.0
        loaded = phase(pages, truth, "loaded", args.runs)

    empty_ratio, loaded_ratio = median(empty["ratios"]), median(loaded["ratios"])
    report = empty["report"]
    print(f"pages: {n}, in chunks of {CHUNK} alternating baseline and pipeline; median of {args.runs} runs per phase")
    print(f"trafilatura.extract alone          : {median([r[0] for r in empty['rates']]):7.1f} pages/s")
    print(f"pipeline, empty database           : {median([r[1] for r in empty['rates']]):7.1f} pages/s   "
          f"ratio {empty_ratio:.2f} (runs: {', '.join(f'{r:.2f}' for r in empty['ratios'])}; target >= 0.80)")
    print(f"  stored: new={report['new']} failed_items={report['failed_items']} status={','.join(sorted(report['status']))}")
    print(f"trafilatura.extract alone, loaded  : {median([r[0] for r in loaded['rates']]):7.1f} pages/s")
    print(f"pipeline, {args.preload:,} articles stored: {median([r[1] for r in loaded['rates']]):7.1f} pages/s   "
          f"ratio {loaded_ratio:.2f} (runs: {', '.join(f'{r:.2f}' for r in loaded['ratios'])})  [preload took {loaded_t:.0f} s]")
    print(f"  stored: new={loaded['report']['new']} failed_items={loaded['report']['failed_items']}")
    print(f"loaded-database ratio / empty-database ratio: {loaded_ratio / empty_ratio:.2f} (target >= 0.90)")
    print("quality (precision / recall / accuracy / F1):")
    for name, q in (("trafilatura alone", empty["quality"]["base"]), ("pipeline (empty db)", empty["quality"]["pipe"]),
                    ("pipeline (loaded db)", loaded["quality"]["pipe"])):
        print(f"  {name:22s} {q['precision']:.3f} / {q['recall']:.3f} / {q['accuracy']:.3f} / {q['f1']:.3f}")
    print(f"pipeline F1 minus trafilatura F1: {empty['quality']['pipe']['f1'] - empty['quality']['base']['f1']:+.3f} (target >= 0)")


if __name__ == "__main__":
    main()

"""Serving benchmark: 100,000 stored articles, gunicorn, wrk; nginx on a static copy as the baseline.

    .venv/bin/python bench/serve.py [--articles 100000] [--seconds 10] [--connections 8]

Needs `wrk` and `nginx` (Debian packages). In one run it measures, with wrk on loopback:
  (a) nginx serving a saved static copy of one article page       (the baseline)
  (b) the same article page from wiredesk with a warm page cache
  (c) the same article page with the page cache off
  (d) a search query (page cache off, so every request really searches)
and prints requests per second, p95 and p99 latency, and each rate as a ratio to (a).
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HOST = "bench.localhost"
LUA = ROOT / "bench" / "wrk_percentiles.lua"
PLACES = ["PORT ELLIS", "KINGSBRIDGE", "SELVARA", "CORRAN FALLS", "ASHGROVE", "MILLBROOK", "LOWMERE"]
WORDS = (
    "harbour council ferry berth market shares quarterly results rowing club regatta estuary festival "
    "budget school bridge railway orchard vineyard storm coastline fishing fleet lighthouse museum league "
    "final striker keeper transfer software startup chip factory network outage satellite launch reactor"
).split()
SECTIONS = ["world", "business", "technology", "sports"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _vocabulary() -> tuple[list[str], list[float]]:
    """A few thousand made-up words with news-like (Zipf) frequencies, the topical ones rarer.

    With only the topical words every story would contain every query term; real copy has a
    long tail, so a two-word query matches a small share of the archive.
    """
    rng = random.Random(7)
    syllables = ["ka", "lo", "mer", "tin", "sa", "vel", "dor", "pi", "run", "es", "tho", "gal", "ne", "bri", "ost"]
    made_up = sorted({"".join(rng.choice(syllables) for _ in range(rng.randint(2, 4))) for _ in range(6000)})
    words = made_up + WORDS
    weights = [1.0 / (rank + 1) for rank in range(len(made_up))] + [0.0004] * len(WORDS)
    return words, weights


VOCABULARY, FREQUENCIES = _vocabulary()


def sentence(rng: random.Random, n: int) -> str:
    words = rng.choices(VOCABULARY, weights=FREQUENCIES, k=n)
    return " ".join(words).capitalize() + "."


def setup_django(data_dir: str) -> None:
    os.environ.update(WIREDESK_DATA_DIR=data_dir, WIREDESK_LOG_LEVEL="WARNING", DJANGO_SETTINGS_MODULE="wiredesk.project.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def generate(n: int) -> str:
    """Store n synthetic articles for one brand; return the path of one article page."""
    from django.utils import timezone

    from storage import settle_database, store_articles
    from wiredesk.brands.models import Brand, BrandSource
    from wiredesk.search.services import search_index_rebuild
    from wiredesk.sources.models import Source
    from wiredesk.stories.places import place_slug
    from wiredesk.stories.models import Article

    def sha(text: str) -> str:
        return hashlib.sha256(text.encode()).hexdigest()

    rng = random.Random(20261129)
    brand = Brand.objects.create(name="Bench Herald", hosts=[HOST], time_zone="Australia/Sydney", home_place="PORT ELLIS")
    source = Source.objects.create(name="Bench Wire", credit="Bench Wire", feed_url="https://wire.bench.example/feed")
    BrandSource.objects.create(brand=brand, source=source)
    now = timezone.now()

    def article(i: int) -> Article:
        place = rng.choice(PLACES)
        lead = f"{place}, Westmark:"
        paragraphs = [f"{lead} {sentence(rng, 30)}"] + [sentence(rng, rng.randint(20, 45)) for _ in range(5)]
        return Article(
            source=source, guid=f"bench-{i}", guid_key=sha(f"bench-{i}"),
            canonical_url=f"https://wire.bench.example/news/{i}", url_key=sha(f"u{i}"),
            slug=f"story-{i}", title=sentence(rng, 8)[:-1], body_html="".join(f"<p>{p}</p>" for p in paragraphs),
            lead_text=" ".join(paragraphs)[:600], lead_kind="dateline", lead_raw=lead, dateline_place=place, place_slug=place_slug(place),
            published_at=now - dt.timedelta(minutes=i), section=SECTIONS[i % 4], language="en",
            fingerprint=sha(f"f{i}"), raw_hash=sha(f"r{i}"),
        )

    store_articles(article(i) for i in range(n))
    search_index_rebuild()
    settle_database(analyze=True)
    stored = Article.objects.get(guid="bench-50")
    return f"/story/{stored.id}-{stored.slug}/"


def start_gunicorn(data_dir: str, port: int, *, page_cache: bool) -> subprocess.Popen:
    env = dict(os.environ, WIREDESK_DATA_DIR=data_dir, WIREDESK_PORT=str(port), WIREDESK_PAGE_CACHE="true" if page_cache else "false",
               WIREDESK_LOG_LEVEL="WARNING")
    from wiredesk.core.processes import web_argv

    # Exactly what `wiredesk web` runs (gunicorn managing 2 uvicorn workers, the page front).
    argv = web_argv(bind="127.0.0.1", port=port, workers=2) + ["--log-level", "warning"]
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_for(port)
    return proc


def start_nginx(root: str, port: int, conf_dir: str, *, proxy_port: int, upstream: int) -> subprocess.Popen:
    """nginx with two servers: the static copy, and a caching proxy in front of gunicorn."""
    conf = Path(conf_dir) / "nginx.conf"
    conf.write_text(
        f"""worker_processes 1; pid {conf_dir}/nginx.pid; error_log {conf_dir}/error.log;
events {{ worker_connections 256; }}
http {{
  access_log off; sendfile on; tcp_nopush on; keepalive_timeout 65;
  client_body_temp_path {conf_dir}/body; proxy_temp_path {conf_dir}/proxy; fastcgi_temp_path {conf_dir}/fcgi;
  uwsgi_temp_path {conf_dir}/uwsgi; scgi_temp_path {conf_dir}/scgi;
  server {{ listen 127.0.0.1:{port}; root {root}; location / {{ default_type text/html; try_files /page.html =404; }} }}
  # The deployment docs/deploy.md recommends: a shared cache honouring wiredesk's Cache-Control.
  proxy_cache_path {conf_dir}/cache keys_zone=wd:10m max_size=100m;
  server {{
    listen 127.0.0.1:{proxy_port};
    location / {{
      proxy_pass http://127.0.0.1:{upstream}; proxy_set_header Host $host; proxy_http_version 1.1;
      proxy_set_header Connection ""; proxy_cache wd; proxy_cache_lock on;
      proxy_cache_use_stale updating error timeout; proxy_cache_background_update on;
    }}
  }}
}}
"""
    )
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    proc = subprocess.Popen([nginx, "-c", str(conf), "-g", "daemon off;"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_for(port)
    return proc


def wait_for(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"nothing listens on port {port}")


def wrk(url: str, *, seconds: int, connections: int) -> dict[str, float]:
    out = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "-H", f"Host: {HOST}", "-s", str(LUA), url],
        capture_output=True, text=True, check=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p95 = float(re.search(r"p95_ms=([\d.]+)", out).group(1))
    p99 = float(re.search(r"p99_ms=([\d.]+)", out).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {"rps": rps, "p95": p95, "p99": p99, "non2xx": int(errors.group(1)) if errors else 0}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=8, help="for the throughput runs")
    parser.add_argument("--latency-connections", type=int, default=2, help="for the latency runs of (c) and (d)")
    parser.add_argument("--query", default="harbour ferry")
    parser.add_argument("--keep", metavar="DIR", help="generate into DIR and keep it; reuse it when it is already there")
    args = parser.parse_args()
    for tool in ("wrk", "nginx"):
        if not (shutil.which(tool) or Path(f"/usr/sbin/{tool}").exists()):
            sys.exit(f"{tool} is missing: apt-get install {tool if tool == 'wrk' else 'nginx-light'}")

    with tempfile.TemporaryDirectory() as tmp:
        data_dir = str(Path(args.keep).resolve() if args.keep else Path(tmp) / "data")
        reuse = args.keep and (Path(data_dir) / "wiredesk.sqlite3").exists()
        setup_django(data_dir)
        started = time.perf_counter()
        if reuse:
            from wiredesk.stories.models import Article

            stored = Article.objects.get(guid="bench-50")
            path = f"/story/{stored.id}-{stored.slug}/"
            print(f"reusing {Article.objects.count():,} articles in {args.keep}; article page {path}")
        else:
            path = generate(args.articles)
            print(f"generated {args.articles:,} articles in {time.perf_counter() - started:.0f} s; article page {path}")

        cached_port, plain_port, nginx_port = free_port(), free_port(), free_port()
        cached = start_gunicorn(data_dir, cached_port, page_cache=True)
        plain = start_gunicorn(data_dir, plain_port, page_cache=False)
        static_root = Path(tmp) / "static"
        static_root.mkdir()
        # nginx workers drop root privileges: let them read the copy.
        os.chmod(tmp, 0o755)
        import urllib.request

        request = urllib.request.Request(f"http://127.0.0.1:{plain_port}{path}", headers={"Host": HOST})
        (static_root / "page.html").write_bytes(urllib.request.urlopen(request).read())
        proxy_port = free_port()
        nginx = start_nginx(str(static_root), nginx_port, tmp, proxy_port=proxy_port, upstream=cached_port)
        try:
            for port in (cached_port, proxy_port):  # warm both caches up
                wrk(f"http://127.0.0.1:{port}{path}", seconds=2, connections=args.connections)
            runs = {
                "a": ("nginx, static copy of the article page", f"http://127.0.0.1:{nginx_port}/page.html"),
                "b": ("article page, warm page cache (gunicorn)", f"http://127.0.0.1:{cached_port}{path}"),
                "b2": ("article page, warm nginx proxy cache", f"http://127.0.0.1:{proxy_port}{path}"),
                "c": ("article page, page cache off", f"http://127.0.0.1:{plain_port}{path}"),
                "d": ("search query, page cache off", f"http://127.0.0.1:{plain_port}/search/?q={args.query.replace(' ', '+')}"),
            }
            results = {key: wrk(url, seconds=args.seconds, connections=args.connections) for key, (_, url) in runs.items()}
            # Latency under a light load (2 connections on a 2-core machine that also runs wrk).
            # Each starts from an idle server: the throughput runs leave requests queued in
            # the server (8 connections of 50 ms searches), and the first latency samples
            # would otherwise measure that queue, not the page.
            latency = {}
            for key in ("c", "d"):
                time.sleep(2)
                wrk(runs[key][1], seconds=2, connections=args.latency_connections)  # warm-up, not kept
                latency[key] = wrk(runs[key][1], seconds=args.seconds, connections=args.latency_connections)
        finally:
            for proc in (cached, plain, nginx):
                proc.terminate()
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()

    base = results["a"]["rps"]
    print(f"wrk: 2 threads, {args.connections} connections, {args.seconds} s per run, {os.cpu_count()} cores")
    for key, (label, _) in runs.items():
        r = results[key]
        print(f"({key}) {label:40s} {r['rps']:9.0f} req/s  p95 {r['p95']:6.1f} ms  p99 {r['p99']:6.1f} ms  "
              f"ratio to (a) {r['rps'] / base:.3f}" + (f"  NON-2xx {r['non2xx']}" if r["non2xx"] else ""))
    for key in ("c", "d"):
        r = latency[key]
        print(f"({key}) {runs[key][0]:40s} {r['rps']:9.0f} req/s  p95 {r['p95']:6.1f} ms  p99 {r['p99']:6.1f} ms  "
              f"[{args.latency_connections} connections]")
    print(f"targets: (b) ratio >= 0.25: {results['b']['rps'] / base:.3f} from gunicorn alone, "
          f"{results['b2']['rps'] / base:.3f} behind the nginx cache; (c) p99 <= 25 ms: {latency['c']['p99']:.1f}; "
          f"(d) p95 <= 50 ms: {latency['d']['p95']:.1f}")


if __name__ == "__main__":
    main()

"""Scale benchmark on PostgreSQL: search and the cost of storing an article, at 10,000 and at
1,000,000 stored articles.

    .venv/bin/python bench/scale.py [--part search|store|farm] [--articles 1000000] [--baseline 10000] [--reuse]
                                    [--rounds 20] [--items 100] [--runs 5]
                                    [--postgres postgres://postgres@127.0.0.1:5432]

Two databases are filled with the same kind of synthetic archive (``wd_scale_small`` with
``--baseline`` articles, ``wd_scale_big`` with ``--articles``): 50 wires, four sections,
a third of the articles in stories of three, publication times a minute apart, bodies drawn
from a made-up vocabulary with news-like word frequencies. Words are planted at known rates so
that the three kinds of query the issue names have a known number of hits: a rare word (one
article in 10,000), a common one (one in 20) and a word in every article. ``--reuse`` keeps
databases that already hold the right number of articles.

(a) Search: ``search.selectors.search_articles`` for one brand, page 1, both orders, each
    query ``--rounds`` times, small and big databases alternating query by query, each in its
    own process. Prints p50/p95 in ms at each size and the ratio big/small.
(b) Store: one refresh of a loopback feed of ``--items`` new full-text items through the
    whole pipeline (fetch, normalize, dedup, cluster, insert, search index), alternating
    between the two databases ``--runs`` times; what a run stored is deleted before the next.
    Prints ms per article at each size and the ratio big/small (target at most 1.2), then the
    SQL statements whose time grew most between the sizes.
(c) Farm (``--part farm`` only): a deployment of real processes against a loopback wire farm
    (tests/wirefarm.py) on a fresh database ``wd_scale_farm`` and Redis: refreshes a minute with
    every source due (1, 2, 3 workers of ``--scaling-concurrency`` processes, and how busy the
    cores were), then on-time share, peak in flight and leased per host, feeds fetched twice
    at once and duplicates, with one scheduler and with two (``--schedulers``), and with
    ``--rabbit URL`` once more with one scheduler on RabbitMQ.
    ``--feeds --hosts --farm-items --interval --new-every --seconds --burst --workers
    --concurrency --broker --rabbit --rabbit-seconds``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import io
import json
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

SOURCES = 50
SECTIONS = ("world", "business", "technology", "sports")
PLACES = ("PORT ELLIS", "KINGSBRIDGE", "SELVARA", "CORRAN FALLS", "ASHGROVE", "MILLBROOK", "LOWMERE")
RARE, COMMON, EVERY = "quillobrent", "marrowfield", "despatchline"
RARE_EVERY, COMMON_EVERY = 10_000, 20
QUERIES = {
    "rare word": RARE,
    "uncommon word": "veldorbripi",  # a made-up word of the vocabulary in 0.2 % of articles
    "common word": COMMON,
    "every-article word": EVERY,
    "every + rare word": f"{EVERY} {RARE}",
    "two Zipf words": None,  # filled from the vocabulary: two mid-frequency words
}
BRAND_HOST = "scale.localhost"


# --- the synthetic archive -----------------------------------------------------------------


def _vocabulary(rng: random.Random) -> tuple[list[str], list[float]]:
    syllables = ["ka", "lo", "mer", "tin", "sa", "vel", "dor", "pi", "run", "es", "tho", "gal", "ne", "bri", "ost"]
    words = sorted({"".join(rng.choice(syllables) for _ in range(rng.randint(2, 4))) for _ in range(6000)})
    rng.shuffle(words)
    cum, total = [], 0.0
    for rank in range(len(words)):
        total += 1.0 / (rank + 1)
        cum.append(total)
    return words, cum


def _sentences(rng: random.Random, words, cum, n: int) -> list[str]:
    out = []
    for _ in range(n):
        picked = rng.choices(words, cum_weights=cum, k=rng.randint(18, 40))
        out.append(" ".join(picked).capitalize() + ".")
    return out


def zipf_pair() -> str:
    words, _ = _vocabulary(random.Random(15))
    return f"{words[40]} {words[300]}"


def populate(n: int) -> None:
    """Fill the current (empty, migrated) database with n articles; one brand carries them."""
    from django.db import connection, transaction
    from django.utils import timezone

    from wiredesk.brands.models import Brand, BrandSource
    from wiredesk.search.backends.postgres import CREATE_SQL, TABLE
    from wiredesk.search.documents import document_for
    from wiredesk.sources.models import Source
    from wiredesk.stories.models import Article, Story
    from wiredesk.stories.places import place_slug

    rng = random.Random(15)
    words, cum = _vocabulary(rng)
    pool = _sentences(rng, words, cum, 20_000)
    brand = Brand.objects.create(name="Scale Courier", hosts=[BRAND_HOST], time_zone="Europe/Lisbon")
    sources = [
        Source.objects.create(name=f"Scale wire {k}", credit=f"Scale Wire {k}", feed_url=f"https://wire{k}.scale.example/feed")
        for k in range(SOURCES)
    ]
    for s in sources:
        BrandSource.objects.create(brand=brand, source=s)
    now = timezone.now()
    slugs = {p: place_slug(p) for p in PLACES}

    def sha(text: str) -> str:
        return hashlib.sha256(text.encode()).hexdigest()

    with connection.cursor() as cursor:
        cursor.execute(f"DROP INDEX IF EXISTS {TABLE}_gin")
    batch = 5000
    started = time.perf_counter()
    for first in range(0, n, batch):
        rows, stories = [], {}
        for i in range(first, min(n, first + batch)):
            place = PLACES[i % len(PLACES)]
            paragraphs = [f"{place}: {rng.choice(pool)} {EVERY}."] + [
                " ".join(rng.choices(pool, k=2)) for _ in range(rng.randint(3, 6))
            ]
            if i % RARE_EVERY == 7:
                paragraphs.append(f"The {RARE} was noted.")
            if i % COMMON_EVERY == 3:
                paragraphs.insert(1, f"A {COMMON} came up.")
            published = now - dt.timedelta(minutes=i)
            story = None
            if i % 9 < 3:  # a third of the articles, in stories of three
                key = i // 9
                story = stories.get(key)
                if story is None:
                    story = stories[key] = Story(first_seen_at=published, last_updated_at=published, size=3,
                                                 language="en")
            body = "".join(f"<p>{p}</p>" for p in paragraphs)
            text = "\n\n".join(paragraphs)
            rows.append((Article(
                source=sources[i % SOURCES], guid=f"scale-{i}", guid_key=sha(f"scale-{i}"),
                canonical_url=f"https://wire{i % SOURCES}.scale.example/news/{i}", url_key=sha(f"u{i}"),
                slug=f"story-{i}", title=" ".join(rng.choice(pool).split()[:9]).rstrip("."), body_html=body,
                lead_text=text[:600], lead_kind="dateline", lead_raw=f"{place}:", dateline_place=place,
                place_slug=slugs[place], published_at=published, section=SECTIONS[i % 4], language="en",
                fingerprint=sha(f"f{i}"), raw_hash=sha(f"r{i}"), body_chars=len(text),
            ), story, text))
        with transaction.atomic():
            Story.objects.bulk_create([s for s in stories.values()])
            for article, story, _ in rows:
                article.story = story
            Article.objects.bulk_create([a for a, _, _ in rows])
            buf = io.StringIO()
            for article, _, text in rows:
                doc = document_for(id=article.id, title=article.title, lead_text=article.lead_text, body_text=text,
                                   published_at=article.published_at)
                buf.write(f"{doc.id}\t{_copy_escape(doc.title)}\t{_copy_escape(doc.body)}\t{doc.published_at.isoformat()}\n")
            with connection.cursor() as cursor:
                with cursor.cursor.copy(f"COPY {TABLE} (article_id, title, body, published_at) FROM STDIN") as copy:
                    copy.write(buf.getvalue())
        done = min(n, first + batch)
        if done % 100_000 == 0 or done == n:
            print(f"  {done:,} articles stored ({time.perf_counter() - started:.0f} s)", file=sys.stderr, flush=True)
    with connection.cursor() as cursor:
        cursor.execute("SET maintenance_work_mem = '512MB'")
        for statement in CREATE_SQL:
            cursor.execute(statement)
    fill_lookup_tables()


def fill_lookup_tables() -> None:
    """The rows ingest writes beside each article, so that their indexes are as large as a
    real archive's: 20 copy bands per article and 24 term postings per story (random hashes)."""
    from django.db import connection

    from wiredesk.stories.models import CopyBand, StoryPosting
    from wiredesk.text.copies import BANDS
    from wiredesk.stories.clustering import POSTED_TERMS

    day = "floor(extract(epoch from {0}) / 86400)::int"
    with connection.cursor() as cursor:
        cursor.execute("SET maintenance_work_mem = '512MB'")
        cursor.execute(f"TRUNCATE {CopyBand._meta.db_table}, {StoryPosting._meta.db_table}")
        cursor.execute(
            f"INSERT INTO {CopyBand._meta.db_table} (band, day, article_id) "
            f"SELECT (random() * 9e18)::bigint, {day.format('a.published_at')}, a.id "
            f"FROM stories_article a, generate_series(1, %s)", [BANDS])
        cursor.execute(
            f"INSERT INTO {StoryPosting._meta.db_table} (term, day, story_id) "
            f"SELECT (random() * 9e18)::bigint, {day.format('s.last_updated_at')}, s.id "
            f"FROM stories_story s, generate_series(1, %s) ON CONFLICT DO NOTHING", [POSTED_TERMS])
        cursor.execute("VACUUM ANALYZE")


def _copy_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


# --- processes, one per database -----------------------------------------------------------


def _setup(url: str, data_dir: str) -> None:
    os.environ.update(DATABASE_URL=url, WIREDESK_DATA_DIR=data_dir, WIREDESK_LOG_LEVEL="WARNING",
                      WIREDESK_FETCH_ALLOW_NETWORKS="127.0.0.1/32",
                      DJANGO_SETTINGS_MODULE="wiredesk.project.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def serve_commands(url: str, data_dir: str) -> None:
    """A process on one database: read JSON commands on stdin, answer one JSON line each."""
    _setup(url, data_dir)
    from django.core.management import call_command
    from django.db import connection

    for line in sys.stdin:
        cmd = json.loads(line)
        if cmd["op"] == "count":
            with connection.cursor() as cursor:
                try:
                    cursor.execute("SELECT count(*) FROM stories_article")
                    answer = cursor.fetchone()[0]
                except Exception:
                    answer = -1
        elif cmd["op"] == "farm_sources":
            answer = _farm_sources(cmd["urls"], cmd["interval"])
        elif cmd["op"] == "farm_due":
            answer = _farm_due(cmd.get("spread", 0.0))
        elif cmd["op"] == "farm_free":
            from django.db import connection

            with connection.cursor() as cursor:  # the leases of tasks a purged broker lost
                cursor.execute("UPDATE sources_source SET lease_until = NULL, lease_token = ''")
            answer = True
        elif cmd["op"] == "farm_leases":
            answer = _farm_leases()
        elif cmd["op"] == "farm_state":
            answer = _farm_state()
        elif cmd["op"] == "fill":
            fill_lookup_tables()
            answer = True
        elif cmd["op"] == "populate":
            call_command("migrate", verbosity=0)
            populate(cmd["n"])
            answer = True
        elif cmd["op"] == "search":
            answer = _search(cmd["q"], cmd["order"])
        elif cmd["op"] == "store":
            answer = _store(cmd["items"], cmd["run"])
        else:
            answer = None
        print(json.dumps(answer), flush=True)


def _search(q: str, order: str) -> dict:
    from wiredesk.brands.models import Brand
    from wiredesk.search.selectors import search_articles

    brand = Brand.objects.get(name="Scale Courier")
    started = time.perf_counter()
    page = search_articles(brand=brand, query=q, order=order)
    list(page.hits)
    return {"ms": (time.perf_counter() - started) * 1000, "total": page.total, "hits": len(page.hits)}


_feed_server = None


def _store(items: int, run: int) -> dict:
    """One refresh of a feed of ``items`` new full-text items; returns ms per stored article and
    the time spent per SQL statement shape."""
    from django.db import connection

    from wiredesk.ingest.services import source_refresh
    from wiredesk.sources.models import Source
    from wiredesk.stories.models import Article, Story

    global _feed_server
    if _feed_server is None:
        _feed_server = _FeedServer()
    rng = random.Random(run)
    words, cum = _vocabulary(random.Random(15))
    feed_url = _feed_server.publish(run, _sentences(rng, words, cum, items * 8))
    source, _ = Source.objects.get_or_create(name="Scale store wire", defaults={"credit": "Scale Store Wire", "feed_url": feed_url})
    Source.objects.filter(pk=source.pk).update(feed_url=feed_url, etag="", last_modified="")
    source.refresh_from_db()
    timings: dict[str, list[float]] = {}

    def timed(execute, sql, params, many, context):
        t = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            key = _shape(sql)
            timings.setdefault(key, []).append(time.perf_counter() - t)

    started = time.perf_counter()
    with connection.execute_wrapper(timed):
        report = source_refresh(source_id=source.id)
    elapsed = time.perf_counter() - started
    stored = Article.objects.filter(source=source).count()
    stories = list(Article.objects.filter(source=source).exclude(story=None).values_list("story_id", flat=True))
    from wiredesk.search.services import search_index_update

    ids = list(Article.objects.filter(source=source).values_list("id", flat=True))
    Article.objects.filter(id__in=ids).delete()
    search_index_update(article_ids=ids)
    Story.objects.filter(id__in=stories, members=None).delete()
    return {"ms_per_article": elapsed * 1000 / max(1, stored), "stored": stored, "report": str(report)[:200],
            "sql": {k: [len(v), sum(v)] for k, v in timings.items()}}


def _shape(sql: str) -> str:
    import re

    sql = re.sub(r"%s(, %s)*", "?", sql)
    sql = re.sub(r"\(\?(, \?)*\)", "(?)", sql)
    sql = re.sub(r"(\(\?\)(, )?)+", "(?)", sql)
    sql = re.sub(r"'[^']*'", "'…'", sql)
    sql = re.sub(r"\b\d+\b", "N", sql)
    return sql[:400]


class _FeedServer:
    """A loopback HTTP server serving one RSS feed per run, every item with its full text."""

    def __init__(self) -> None:
        import http.server
        import threading

        docs: dict[str, bytes] = {}
        self.docs = docs

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                body = docs.get(self.path)
                if body is None:
                    self.send_response(404)
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("Content-Type", "application/rss+xml; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def publish(self, run: int, sentences: list[str]) -> str:
        from email.utils import format_datetime
        from xml.sax.saxutils import escape

        now = dt.datetime.now(dt.timezone.utc)
        items = []
        for k in range(len(sentences) // 8):
            part = sentences[k * 8 : (k + 1) * 8]
            body = "".join(f"<p>{escape(s)}</p>" for s in part[1:])
            items.append(
                f"<item><title>{escape(' '.join(part[0].split()[:10]))}</title>"
                f"<link>http://127.0.0.1:{self.server.server_port}/r{run}/{k}</link><guid>r{run}-{k}</guid>"
                f"<pubDate>{format_datetime(now - dt.timedelta(minutes=k))}</pubDate>"
                f"<description>{escape(body)}</description></item>"
            )
        doc = (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Scale store wire</title>'
               f"<link>http://127.0.0.1/</link><description>d</description>{''.join(items)}</channel></rss>")
        path = f"/feed-{run}.xml"
        self.docs[path] = doc.encode()
        return f"http://127.0.0.1:{self.server.server_port}{path}"


# --- (c) the wire farm ----------------------------------------------------------------------


def _farm_sources(urls: list[str], interval: int) -> int:
    from wiredesk.sources.models import Source, feed_host

    Source.objects.bulk_create(
        [Source(name=f"Farm wire {k}", credit=f"Farm Wire {k}", feed_url=url, host=feed_host(url),
                min_interval_seconds=interval) for k, url in enumerate(urls)],
        batch_size=1000,
    )
    return Source.objects.count()


def _farm_due(spread: float) -> int:
    """Every source due now (spread 0), or at a random moment of the next ``spread`` seconds."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("UPDATE sources_source SET next_check_at = now() + random() * %s * interval '1 second', "
                       "lease_until = NULL, lease_token = ''", [spread])
        return cursor.rowcount


def _farm_leases() -> int:
    from django.db import connection

    from tests.wirefarm import most_leases_per_host

    return most_leases_per_host(connection)


def _farm_state() -> dict:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*), COUNT(DISTINCT (source_id, guid_key)) FROM stories_article")
        articles, distinct = cursor.fetchone()
        cursor.execute("SELECT COUNT(*) FROM sources_source WHERE last_success_at IS NULL")
        never = cursor.fetchone()[0]
        cursor.execute("SELECT COUNT(*) FROM sources_source WHERE consecutive_errors > 0")
        failing = cursor.fetchone()[0]
    return {"articles": articles, "duplicates": articles - distinct, "never_fetched": never, "failing": failing}


class _CpuBusy:
    """How many of the machine's cores were busy between its creation and ``cores()``
    (/proc/stat: everything but idle and iowait)."""

    def __init__(self) -> None:
        self.start = self._read()

    @staticmethod
    def _read() -> tuple[int, int]:
        with open("/proc/stat") as f:
            fields = [int(x) for x in f.readline().split()[1:]]
        user, nice, system, idle, iowait, irq, softirq, steal = fields[:8]  # guest time is inside user
        busy = user + nice + system + irq + softirq
        return busy, busy + idle + iowait + steal

    def cores(self) -> float:
        busy, total = self._read()
        return (busy - self.start[0]) / max(1, total - self.start[1]) * (os.cpu_count() or 1)


def farm(args, admin_url: str, data_dir: str) -> bool:
    import signal

    import redis

    # The processes run in sessions of their own: a SIGTERM to the bench must still reach
    # Deployment.stop() (the finally of each phase), or they would keep polling the farm's DB.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    sys.path.insert(0, str(ROOT))
    from tests.wirefarm import Deployment, Farm, overlaps

    name = "wd_scale_farm"
    url = f"{admin_url}/{name}"
    subprocess.run(["psql", f"{admin_url}/postgres", "-qc", f"DROP DATABASE IF EXISTS {name}"], check=True)
    subprocess.run(["psql", f"{admin_url}/postgres", "-qc", f"CREATE DATABASE {name}"], check=True)
    broker = args.broker
    env = {**os.environ, "DATABASE_URL": url, "CELERY_BROKER_URL": broker, "WIREDESK_DATA_DIR": data_dir,
           "WIREDESK_FETCH_ALLOW_NETWORKS": "127.0.0.0/8", "WIREDESK_TICK_SECONDS": "5",
           "WIREDESK_POLL_MIN_SECONDS": str(args.interval), "WIREDESK_POLL_MAX_SECONDS": str(args.interval),
           "WIREDESK_LOG_LEVEL": "WARNING", "PYTHONPATH": str(ROOT)}
    env.pop("CACHE_URL", None)
    subprocess.run([str(Path(sys.executable).with_name("wiredesk")), "migrate", "-v0"], env=env, check=True)
    farm_ = Farm(feeds=args.feeds, hosts=args.hosts, new_every=args.new_every, items=args.farm_items).start()
    db = Worker(url, data_dir)
    db.ask(op="farm_sources", urls=[farm_.url(k) for k in range(args.feeds)], interval=args.interval)
    per_host = int(os.environ.get("WIREDESK_FETCH_PER_HOST", "2"))

    def purge() -> None:
        if env["CELERY_BROKER_URL"].startswith("redis"):
            redis.Redis.from_url(env["CELERY_BROKER_URL"]).flushdb()
        else:  # RabbitMQ: what an earlier run left in the queue
            from kombu import Connection

            from amqp.exceptions import NotFound

            with Connection(env["CELERY_BROKER_URL"], connect_timeout=5) as conn:
                try:
                    conn.default_channel.queue_purge((env.get("WIREDESK_QUEUE") or "").strip() or "celery")
                except NotFound:  # no queue yet (a broker that cannot be reached stops the bench)
                    pass

    def phase(workers: int, schedulers: int, seconds: float, *, sample=True, until=None,
              concurrency: int | None = None) -> tuple[float, float, int]:
        purge()
        db.ask(op="farm_free")
        deploy = Deployment(env)
        for i in range(schedulers):
            deploy.start("scheduler")
        for i in range(workers):
            deploy.start("worker", "--name", f"farm{i}", "--concurrency", str(concurrency or args.concurrency))
        started = time.time()
        peak_leases = 0
        try:
            while time.time() - started < seconds:
                time.sleep(1.0)
                if sample:
                    peak_leases = max(peak_leases, db.ask(op="farm_leases"))
                if until is not None and int(time.time() - started) % 10 == 0 and until():
                    break
        finally:
            deploy.stop()
        return started, time.time(), peak_leases

    ok = True
    print(f"(c) wire farm: {args.feeds:,} feeds of {args.farm_items} items on {args.hosts} hosts, "
          f"a new item every {args.new_every:.0f} s, "
          f"latency 0.1-0.4 s, ETag/304, poll interval {args.interval} s (+-10 % jitter), "
          f"{args.concurrency} processes per worker, broker {broker.split(':')[0]}, per-host limit {per_host}")
    # Load: every feed fetched once (its items stored), as a deployment that has been running.
    db.ask(op="farm_due", spread=0)
    t0 = time.time()
    phase(3, 1, args.load_limit, sample=False, until=lambda: not db.ask(op="farm_state")["never_fetched"])
    state = db.ask(op="farm_state")
    print(f"  load: {state['articles']:,} articles in {time.time() - t0:.0f} s; never fetched {state['never_fetched']}")
    # Throughput: every source due at once; the rate from the first refresh to the one that
    # completes the round (each source refreshed once) or to the end of the burst, with 1, 2
    # and 3 workers of ``--scaling-concurrency`` processes each, and how busy the cores were.
    rates = {}
    for workers in (1, 2, 3):
        db.ask(op="farm_due", spread=0)
        mark = len(farm_.hits)

        def round_done() -> bool:
            return len({h.feed for h in farm_.hits[mark:]}) >= args.feeds

        busy = _CpuBusy()
        phase(workers, 1, args.burst, sample=False, until=round_done, concurrency=args.scaling_concurrency)
        cores = busy.cores()
        first: dict[int, float] = {}
        for h in farm_.hits[mark:]:
            first.setdefault(h.feed, h.start)
        times = sorted(first.values()) or [0.0]
        rates[workers] = (len(times) - 1) / max(1e-9, (times[-1] - times[0]) / 60) if len(times) > 1 else 0.0
        print(f"  every source due, {workers} worker(s) x {args.scaling_concurrency} process(es): {len(times):,} sources "
              f"in {times[-1] - times[0]:.0f} s, {rates[workers]:7.0f} refreshes a minute "
              f"(ratio to 1 worker {rates[workers] / max(rates[1], 1e-9):.2f}); cores busy {cores:.2f} of {os.cpu_count()}",
              flush=True)
    ok &= rates[3] >= 2.5 * rates[1]
    # On time: each source due at a random moment of its first interval, then steady state;
    # with one scheduler, with two, and (--rabbit) once more with one on RabbitMQ.
    runs = [(n, broker, args.seconds) for n in args.schedulers]
    if args.rabbit:
        runs.append((1, args.rabbit, args.rabbit_seconds or args.seconds))
    for schedulers, run_broker, seconds in runs:
        env["CELERY_BROKER_URL"] = run_broker  # the deployment's processes are started with env
        db.ask(op="farm_due", spread=args.interval)
        farm_.peak.clear()
        start, end, leases = phase(args.workers, schedulers, seconds)
        hits = [h for h in farm_.hits if start <= h.start < end]
        gaps = []
        by_feed: dict[int, list[float]] = {}
        for h in hits:
            by_feed.setdefault(h.feed, []).append(h.start)
        for times in by_feed.values():
            times.sort()
            gaps += [b - a for a, b in zip(times, times[1:])]
        # Within the interval plus 10 % of the interval the source drew (jitter up to +10 %).
        limit = args.interval * 1.1 * 1.1
        on_time = sum(g <= limit for g in gaps) / max(1, len(gaps))
        never = args.feeds - len(by_feed)
        peak = max(farm_.peak.values() or [0])
        state = db.ask(op="farm_state")
        print(f"  {schedulers} scheduler(s), {args.workers} workers, {env['CELERY_BROKER_URL'].split(':')[0]}, "
              f"{seconds:.0f} s: {len(hits):,} refreshes, "
              f"on time {on_time:.1%} of {len(gaps):,} refetches (median gap {statistics.median(gaps) if gaps else 0:.0f} s, "
              f"limit {limit:.0f} s); feeds never fetched {never}; peak in flight per host {peak} (limit {per_host}); "
              f"peak leases per host {leases}; same feed fetched twice at once {overlaps(hits)}; "
              f"articles {state['articles']:,}, duplicates {state['duplicates']}, failing sources {state['failing']}",
              flush=True)
        ok &= on_time >= 0.95 and peak <= per_host and leases <= per_host and state["duplicates"] == 0
    db.close()
    farm_.stop()
    return ok


class Worker:
    def __init__(self, url: str, data_dir: str) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, __file__, "--serve", url, "--data-dir", data_dir],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )

    def ask(self, **cmd):
        self.proc.stdin.write(json.dumps(cmd) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            raise SystemExit(f"worker died on {cmd}")
        return json.loads(line)

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait(timeout=60)


def _database(admin_url: str, name: str, n: int, reuse: bool, data_dir: str) -> Worker:
    url = f"{admin_url}/{name}"
    if reuse:
        worker = Worker(url, data_dir)
        try:
            if worker.ask(op="count") == n:
                print(f"{name}: reusing {n:,} articles", file=sys.stderr)
                return worker
        except SystemExit:
            pass
        worker.close()
    subprocess.run(["psql", f"{admin_url}/postgres", "-qc", f"DROP DATABASE IF EXISTS {name}"], check=True)
    subprocess.run(["psql", f"{admin_url}/postgres", "-qc", f"CREATE DATABASE {name}"], check=True)
    worker = Worker(url, data_dir)
    started = time.perf_counter()
    worker.ask(op="populate", n=n)
    print(f"{name}: {n:,} articles stored in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    return worker


def _pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, max(0, round(p / 100 * len(values)) - 1))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=1_000_000)
    parser.add_argument("--baseline", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--items", type=int, default=100)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--reuse", action="store_true")
    parser.add_argument("--part", choices=("all", "search", "store", "farm"), default="all")
    parser.add_argument("--feeds", type=int, default=10_000)
    parser.add_argument("--hosts", type=int, default=50)
    parser.add_argument("--interval", type=int, default=900, help="poll interval of every feed, seconds")
    parser.add_argument("--new-every", type=float, default=600.0, help="seconds between a feed's new items")
    parser.add_argument("--seconds", type=float, default=2400, help="length of each on-time run")
    parser.add_argument("--burst", type=float, default=90, help="length of each every-source-due run")
    parser.add_argument("--load-limit", type=float, default=3600)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=4, help="processes per worker (load and on-time runs)")
    parser.add_argument("--scaling-concurrency", type=int, default=1, help="processes per worker (every-source-due runs)")
    parser.add_argument("--farm-items", type=int, default=20, help="items in each farm feed")
    parser.add_argument("--schedulers", type=lambda v: [int(x) for x in v.split(",")], default=[1, 2],
                        help="the on-time runs: how many schedulers in each (comma-separated)")
    parser.add_argument("--broker", default="redis://127.0.0.1:6379/11")
    parser.add_argument("--rabbit", help="a RabbitMQ URL: one more on-time run, one scheduler, on it")
    parser.add_argument("--rabbit-seconds", type=float, help="length of that run (default --seconds)")
    parser.add_argument("--postgres", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--serve", help=argparse.SUPPRESS)
    parser.add_argument("--data-dir", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve_commands(args.serve, args.data_dir)
        return 0

    import tempfile

    data_dir = tempfile.mkdtemp(prefix="wd-scale-")
    if args.part == "farm":
        return 0 if farm(args, args.postgres, data_dir) else 1
    small = _database(args.postgres, "wd_scale_small", args.baseline, args.reuse, data_dir)
    big = _database(args.postgres, "wd_scale_big", args.articles, args.reuse, data_dir)
    failed = False
    QUERIES["two Zipf words"] = zipf_pair()
    if args.part in ("all", "search"):
        print(f"(a) search, page 1 of 20, one brand; {args.rounds} rounds; ms (p50 / p95)")
        print(f"{'query':<22}{'order':<11}{'hits at ' + format(args.baseline, ','):>16}{'hits at ' + format(args.articles, ','):>18}"
              f"{'small p50/p95':>16}{'big p50/p95':>16}{'p95 ratio':>11}")
        for label, q in QUERIES.items():
            for order in ("relevance", "newest"):
                for w in (small, big):  # warm
                    w.ask(op="search", q=q, order=order)
                times = {"small": [], "big": []}
                totals = {}
                for _ in range(args.rounds):
                    for name, w in (("small", small), ("big", big)):
                        r = w.ask(op="search", q=q, order=order)
                        times[name].append(r["ms"])
                        totals[name] = r["total"]
                s95, b95 = _pct(times["small"], 95), _pct(times["big"], 95)
                failed |= b95 > 50
                print(f"{label:<22}{order:<11}{totals['small']:>16,}{totals['big']:>18,}"
                      f"{statistics.median(times['small']):>8.1f} /{s95:>6.1f}{statistics.median(times['big']):>8.1f} /{b95:>6.1f}"
                      f"{b95 / s95:>11.2f}", flush=True)
    if args.part in ("all", "store"):
        print(f"(b) store: one refresh of {args.items} new full-text items, alternating, {args.runs} runs")
        per = {"small": [], "big": []}
        sql = {"small": {}, "big": {}}
        for run in range(args.runs + 1):
            for name, w in (("small", small), ("big", big)):
                r = w.ask(op="store", items=args.items, run=run + 1000 * (name == "big"))
                if run == 0:
                    continue  # warm-up
                if r["stored"] != args.items:
                    print(f"  {name}: stored {r['stored']} of {args.items}: {r['report']}")
                per[name].append(r["ms_per_article"])
                for k, (count, seconds) in r["sql"].items():
                    c = sql[name].setdefault(k, [0, 0.0])
                    c[0] += count
                    c[1] += seconds
        ms, mb = statistics.median(per["small"]), statistics.median(per["big"])
        failed |= mb / ms > 1.2
        print(f"ms per article: {ms:.2f} at {args.baseline:,}, {mb:.2f} at {args.articles:,}; ratio {mb / ms:.2f} "
              f"(runs: {', '.join(f'{b / s:.2f}' for s, b in zip(per['small'], per['big']))})")
        grew = sorted(sql["big"], key=lambda k: sql["big"][k][1] - sql["small"].get(k, [0, 0.0])[1], reverse=True)
        print("statements that grew most (total ms over the runs, small -> big, calls):")
        for k in grew[:8]:
            b = sql["big"][k]
            s = sql["small"].get(k, [0, 0.0])
            print(f"  {s[1] * 1000:8.1f} -> {b[1] * 1000:8.1f}  x{b[0]:<5} {k[:300]}")
    small.close()
    big.close()
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())

"""A loopback wire farm (bench/scale.py, tests/ingest/test_farm.py): many feeds on many host
names in 127.0.0.0/8.

One asyncio loop in a thread listens on ``hosts`` addresses (127.1.0.1, 127.1.0.2, ...), one
port. Feed ``k`` lives on host ``k % hosts`` at ``/f/<k>.xml``: ``items`` items with their full
text (20 by default), a new item every ``new_every`` seconds (each feed at its own moment), an
ETag (a matching If-None-Match gets 304), and a latency drawn from ``latency``. Every request is recorded: when it started and ended, and how
many requests were in flight on its host (the peak is what the per-host limit must hold).
"""

from __future__ import annotations

import asyncio
import os
import random
import subprocess
import sys
import threading
import time
from pathlib import Path
from dataclasses import dataclass, field
from email.utils import formatdate
from xml.sax.saxutils import escape

def _vocabulary(size: int = 4000) -> tuple[list[str], list[float]]:
    """Invented words and Zipf weights (rank ** -1), as a wire's vocabulary is distributed: a
    few words in every story and most in few, so each item is a story of its own and the
    clustering stage sees what it sees in production (a handful of words would make every
    item one story, with every placement updating the same rows)."""
    rng = random.Random(2026)
    syllables = [a + b for a in "bdfgklmnprstv" for b in ("a", "e", "i", "o", "u", "ar", "en", "ol")]
    words: list[str] = []
    seen: set[str] = set()
    while len(words) < size:
        word = "".join(rng.choice(syllables) for _ in range(rng.choice((2, 2, 3, 3, 4))))
        if word not in seen:
            seen.add(word)
            words.append(word)
    cum, total = [], 0.0
    for rank in range(1, size + 1):
        total += 1.0 / rank
        cum.append(total)
    return words, cum


WORDS, CUM_WEIGHTS = _vocabulary()


@dataclass
class Hit:
    feed: int
    host: int
    start: float
    end: float
    status: int


@dataclass
class Farm:
    feeds: int
    hosts: int
    new_every: float = 600.0
    latency: tuple[float, float] = (0.1, 0.4)
    items: int = 20
    hits: list[Hit] = field(default_factory=list)
    in_flight: dict[int, int] = field(default_factory=dict)
    peak: dict[int, int] = field(default_factory=dict)
    port: int = 0

    def __post_init__(self) -> None:
        self.t0 = time.time() - self.items * self.new_every
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    # --- addresses ---
    def address(self, host: int) -> str:
        return f"127.1.{host // 250}.{host % 250 + 1}"

    def url(self, feed: int) -> str:
        return f"http://{self.address(feed % self.hosts)}:{self.port}/f/{feed}.xml"

    # --- lifecycle ---
    def start(self) -> "Farm":
        self._thread.start()
        self._ready.wait(30)
        return self

    def stop(self) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._loop.run_until_complete(self._serve())
        self._ready.set()
        self._loop.run_forever()

    async def _serve(self) -> None:
        first = await asyncio.start_server(self._handle(0), self.address(0), self.port or 0, backlog=512)
        self.port = first.sockets[0].getsockname()[1]
        for host in range(1, self.hosts):
            await asyncio.start_server(self._handle(host), self.address(host), self.port, backlog=512)

    # --- one feed ---
    def shift(self, feed: int) -> float:
        """Where in the cycle a feed's new items fall: spread evenly over ``new_every``, so the
        feeds do not all change at the same moment."""
        return (feed * 0.6180339887) % 1.0 * self.new_every

    def generation(self, now: float, feed: int = 0) -> int:
        return int((now - self.t0 + self.shift(feed)) // self.new_every)

    def document(self, feed: int, newest: int) -> bytes:
        name = f"Farm wire {feed}"
        items = []
        for n in range(newest, newest - self.items, -1):
            r = random.Random(feed * 1_000_003 + n)
            paragraphs = " ".join(f"<p>{' '.join(r.choices(WORDS, cum_weights=CUM_WEIGHTS, k=40)).capitalize()}.</p>"
                                  for _ in range(3))
            title = " ".join(r.choices(WORDS, cum_weights=CUM_WEIGHTS, k=7)).capitalize()
            items.append(
                f"<item><title>{escape(title)} {feed}-{n}</title>"
                f"<link>http://{self.address(feed % self.hosts)}/story/{feed}/{n}</link><guid>{feed}-{n}</guid>"
                f"<pubDate>{formatdate(self.t0 - self.shift(feed) + (n - self.items) * self.new_every, usegmt=True)}</pubDate>"
                f"<description>{escape(paragraphs)}</description></item>"
            )
        return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>{name}</title>'
                f"<link>http://{self.address(feed % self.hosts)}/</link><description>{name}</description>"
                f"{''.join(items)}</channel></rss>").encode()

    def _handle(self, host: int):
        async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            try:
                while True:
                    head = await reader.readuntil(b"\r\n\r\n")
                    await self._answer(host, head, writer)
            except (asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError):
                pass
            finally:
                writer.close()

        return handle

    async def _answer(self, host: int, head: bytes, writer: asyncio.StreamWriter) -> None:
        start = time.time()
        self.in_flight[host] = self.in_flight.get(host, 0) + 1
        self.peak[host] = max(self.peak.get(host, 0), self.in_flight[host])
        status, body, headers = 404, b"", {}
        feed = -1
        try:
            lines = head.decode("latin-1").split("\r\n")
            path = lines[0].split(" ")[1] if len(lines[0].split(" ")) > 1 else "/"
            asked = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:] if line)}
            await asyncio.sleep(random.uniform(*self.latency))
            if path.startswith("/f/") and path.endswith(".xml"):
                feed = int(path[3:-4])
                newest = self.generation(time.time(), feed) + self.items
                etag = f'"{feed}-{newest}"'
                if asked.get("if-none-match") == etag:
                    status, headers = 304, {"ETag": etag}
                else:
                    status, body = 200, self.document(feed, newest)
                    headers = {"ETag": etag, "Content-Type": "application/rss+xml; charset=utf-8"}
            head_out = [f"HTTP/1.1 {status} {'OK' if status == 200 else 'Not Modified' if status == 304 else 'Not Found'}"]
            head_out += [f"{k}: {v}" for k, v in headers.items()] + [f"Content-Length: {len(body)}", "", ""]
            writer.write("\r\n".join(head_out).encode() + body)
            await writer.drain()
        finally:
            self.in_flight[host] -= 1
            if feed >= 0:
                self.hits.append(Hit(feed=feed, host=host, start=start, end=time.time(), status=status))


def most_leases_per_host(connection) -> int:
    """The most live leases any one host holds now (the per-host limit must bound it)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT COALESCE(MAX(n), 0) FROM (SELECT COUNT(*) AS n FROM sources_source "
                       "WHERE lease_until > now() GROUP BY host) h")
        return int(cursor.fetchone()[0])


class Deployment:
    """The processes of a deployment as docs/deploy.md describes it, each its own "machine"."""

    def __init__(self, env: dict, python: str = sys.executable) -> None:
        self.env = env
        self.procs: list[subprocess.Popen] = []
        self.python = python

    def start(self, *args: str) -> None:
        home = Path(self.env["WIREDESK_DATA_DIR"])
        env = self.env
        if args[0] == "scheduler":  # each on its own machine: its own data folder (beat's state file)
            env = {**env, "WIREDESK_DATA_DIR": str(home / f"scheduler-{len(self.procs)}")}
            Path(env["WIREDESK_DATA_DIR"]).mkdir(exist_ok=True)
        log = open(home / f"{args[0]}-{len(self.procs)}.log", "ab")
        self.procs.append(subprocess.Popen([self.python, "-m", "wiredesk", *args], env=env, stdout=log, stderr=log,
                                           start_new_session=True))

    def stop(self) -> None:
        """A warm shutdown (SIGTERM to each main process: running refreshes finish), then the
        whole process group killed."""
        import signal

        for p in self.procs:
            p.terminate()
        for p in self.procs:
            try:
                p.wait(timeout=60)
            except subprocess.TimeoutExpired:
                pass
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            p.wait()
        self.procs.clear()


def overlaps(hits) -> int:
    """Requests for a feed that began while another request for the same feed was open."""
    by_feed: dict[int, list] = {}
    for h in hits:
        by_feed.setdefault(h.feed, []).append(h)
    n = 0
    for rows in by_feed.values():
        rows.sort(key=lambda h: h.start)
        for a, b in zip(rows, rows[1:]):
            n += b.start < a.end
    return n

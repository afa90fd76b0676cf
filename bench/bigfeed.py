"""A feed far over the item cap: time and memory of parsing it, against a feed of only the cap.

    .venv/bin/python bench/bigfeed.py [--items 34000] [--format rss|jsonfeed|both] [--runs 3]

Generates an RSS 2.0 feed (and a JSON Feed) of ``--items`` invented items, each about 460
bytes, just under the fetch body cap (WIREDESK_FETCH_MAX_BYTES, 15 MiB by default), and a
feed of the first 1,000 of the same items (``fields.MAX_ITEMS``, what is stored at most).
Every figure is measured in a fresh Python process, so one measurement's garbage does not
land on the next:

- ``parse_feed(bytes)`` of the big feed and of the 1,000-item feed (the baseline: the least
  the parser can do for what is stored), wall time, peak resident memory above the process's
  memory just before the call (VmHWM after resetting it through /proc/self/clear_refs) and
  tracemalloc's peak (deterministic; a separate run, since tracing slows Python down);
- ``source_refresh`` of a source whose feed is the big one, served on loopback, with an empty
  database (1,000 items stored) and again (1,000 unchanged), and the same two refreshes of
  the 1,000-item feed. The refresh child runs migrations and one small warm-up refresh before
  its memory at rest is read.

The median of ``--runs`` runs is printed for each figure.
"""

from __future__ import annotations

import argparse
import http.server
import json
import os
import socketserver
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from email.utils import format_datetime
from datetime import datetime, timedelta, timezone
from pathlib import Path
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parents[1]
CAP = 15 * 2**20  # WIREDESK_FETCH_MAX_BYTES' default
KEEP = 1000  # wiredesk.ingest.formats.fields.MAX_ITEMS
MiB = 2**20

_PLACES = ("Harrowgate", "Linwick", "Port Ellery", "Saltmere", "Dunhollow", "Brackenford")
_TOPICS = ("ferry timetable", "council budget", "harbour dredging", "school roof", "bridge tolls",
           "library hours", "flood barrier", "bus depot")
_SECTIONS = ("world", "business", "technology", "sports", "local")


def _item(n: int, start: datetime) -> dict:
    place, topic = _PLACES[n % len(_PLACES)], _TOPICS[n % len(_TOPICS)]
    return {
        "id": f"brackwater-{n:06d}",
        "url": f"https://brackwater.example/news/{n:06d}-{topic.replace(' ', '-')}",
        "title": f"{place} \u201cweighs\u201d {topic} plan {n}",
        "summary": f"{place} will review the {topic}, residents \u2014 and the board \u2014 say.",
        "date": start - timedelta(minutes=7 * n),
        "author": "Desk Reporter",
        "tags": (_SECTIONS[n % len(_SECTIONS)], place),
    }


def rss(items: list[dict]) -> bytes:
    """An RSS 2.0 document of ``items``."""
    out = ['<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0" '
           'xmlns:dc="http://purl.org/dc/elements/1.1/">\n<channel>\n'
           "<title>Brackwater Gazette</title>\n<link>https://brackwater.example/</link>\n"
           "<description>News from an invented coast</description>\n<language>en</language>\n"]
    for it in items:
        out.append(
            f"<item><title>{escape(it['title'])}</title><link>{it['url']}</link>"
            f'<guid isPermaLink="false">{it["id"]}</guid>'
            f"<pubDate>{format_datetime(it['date'])}</pubDate>"
            f"<dc:creator>{it['author']}</dc:creator>"
            + "".join(f"<category>{escape(t)}</category>" for t in it["tags"])
            + f"<description>{escape('<p>' + it['summary'] + '</p>')}</description></item>\n"
        )
    out.append("</channel>\n</rss>\n")
    return "".join(out).encode("utf-8")


def jsonfeed(items: list[dict]) -> bytes:
    """A JSON Feed 1.1 document of ``items``."""
    return json.dumps({
        "version": "https://jsonfeed.org/version/1.1",
        "title": "Brackwater Gazette",
        "home_page_url": "https://brackwater.example/",
        "items": [
            {"id": it["id"], "url": it["url"], "title": it["title"],
             "content_html": f"<p>{it['summary']}</p>", "date_published": it["date"].isoformat(),
             "authors": [{"name": it["author"]}], "tags": list(it["tags"])}
            for it in items
        ],
    }, ensure_ascii=False).encode("utf-8")


def documents(kind: str, count: int) -> tuple[bytes, bytes]:
    """The big document (under CAP) and the document of its first KEEP items."""
    start = datetime(2026, 11, 30, 12, tzinfo=timezone.utc)
    items = [_item(n, start) for n in range(count)]
    render = rss if kind == "rss" else jsonfeed
    big = render(items)
    if len(big) > CAP:
        raise SystemExit(f"{count} items make {len(big)} bytes, over the {CAP}-byte cap")
    return big, render(items[:KEEP])


# --- measurement inside a child process -----------------------------------------------------


def _rss_now() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


def _rss_peak() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    return 0


def _measured(action, *, trace: bool) -> dict:
    import gc
    import tracemalloc

    gc.collect()
    if trace:
        tracemalloc.start()
        tracemalloc.reset_peak()
        started = time.perf_counter()
        result = action()
        seconds = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        return {"seconds": seconds, "traced_peak": peak, "result": result}
    Path("/proc/self/clear_refs").write_text("5")  # reset VmHWM to the current RSS
    rest = _rss_now()
    started = time.perf_counter()
    result = action()
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "rest": rest, "above_rest": _rss_peak() - rest, "result": result}


def child_parse(path: str, trace: bool) -> dict:
    sys.path.insert(0, str(ROOT))
    from wiredesk.ingest.formats import parse_feed

    data = Path(path).read_bytes()
    parse_feed(rss(documents_small_warmup()), url="https://brackwater.example/warm")  # imports
    out = _measured(lambda: parse_feed(data, url="https://brackwater.example/feed"), trace=trace)
    feed = out.pop("result")
    out["items"] = len(feed.items)
    return out


def documents_small_warmup() -> list[dict]:
    start = datetime(2026, 11, 30, 12, tzinfo=timezone.utc)
    return [_item(n, start) for n in range(5)]


def child_refresh(url: str, warm_url: str) -> dict:
    os.environ["WIREDESK_DATA_DIR"] = tempfile.mkdtemp(prefix="bigfeed-")
    os.environ["WIREDESK_FETCH_ALLOW_NETWORKS"] = "127.0.0.1/32"
    os.environ["WIREDESK_FETCH_DEADLINE"] = "120"
    os.environ["WIREDESK_LOG_LEVEL"] = "WARNING"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wiredesk.project.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from wiredesk.ingest.services import source_refresh
    from wiredesk.sources.models import Source

    warm = Source.objects.create(name="warm", credit="warm", feed_url=warm_url, licence=Source.Licence.EXCERPT)
    source_refresh(source_id=warm.id)
    source = Source.objects.create(name="big", credit="big", feed_url=url, licence=Source.Licence.EXCERPT)
    out = {}
    for label in ("first", "again"):
        got = _measured(lambda: source_refresh(source_id=source.id), trace=False)
        report = got.pop("result")
        got["report"] = {k: v for k, v in report.as_dict().items() if k in ("status", "new", "unchanged", "error")}
        out[label] = got
    return out


# --- the parent: documents, a loopback server, children ----------------------------------------


class _Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True


def serve(files: dict[str, tuple[bytes, str]]) -> tuple[_Server, str]:
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args) -> None:
            pass

        def do_GET(self) -> None:
            body, kind = files.get(self.path, (b"not found", "text/plain"))
            self.send_response(200 if self.path in files else 404)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = _Server(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def run_child(*args: str) -> dict:
    done = subprocess.run([sys.executable, __file__, "child", *args], capture_output=True, text=True, cwd=ROOT)
    if done.returncode:
        raise SystemExit(f"child {args} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def median_of(runs: list[dict], key: str) -> float:
    return statistics.median(r[key] for r in runs)


def bench(kind: str, count: int, runs: int, refresh: bool) -> None:
    big, small = documents(kind, count)
    suffix = "xml" if kind == "rss" else "json"
    media = "application/rss+xml" if kind == "rss" else "application/feed+json"
    with tempfile.TemporaryDirectory() as tmp:
        paths = {"big": Path(tmp) / f"big.{suffix}", "small": Path(tmp) / f"small.{suffix}"}
        paths["big"].write_bytes(big)
        paths["small"].write_bytes(small)
        print(f"{kind}: big feed {count} items, {len(big):,} bytes (cap {CAP:,}); baseline feed {KEEP} items, "
              f"{len(small):,} bytes")
        for name in ("small", "big"):
            timed = [run_child("parse", str(paths[name]), "plain") for _ in range(runs)]
            traced = run_child("parse", str(paths[name]), "trace")
            label = f"parse_feed, {KEEP} items" if name == "small" else f"parse_feed, {count} items"
            print(f"  {label:<28}: {median_of(timed, 'seconds'):6.2f} s, peak RSS above rest "
                  f"{median_of(timed, 'above_rest') / MiB:6.1f} MB (rest {median_of(timed, 'rest') / MiB:.0f} MB), "
                  f"tracemalloc peak {traced['traced_peak'] / MiB:6.1f} MB; items kept {timed[0]['items']}")
        if not refresh:
            return
        warm, _ = documents(kind, 5)
        server, base = serve({f"/big.{suffix}": (big, media), f"/small.{suffix}": (small, media),
                              f"/warm.{suffix}": (warm, media)})
        try:
            for name in ("small", "big"):
                results = [run_child("refresh", f"{base}/{name}.{suffix}", f"{base}/warm.{suffix}") for _ in range(runs)]
                for phase in ("first", "again"):
                    rows = [r[phase] for r in results]
                    label = f"source_refresh {name}, {phase}"
                    print(f"  {label:<28}: {statistics.median(r['seconds'] for r in rows):6.2f} s, peak RSS above rest "
                          f"{statistics.median(r['above_rest'] for r in rows) / MiB:6.1f} MB "
                          f"(rest {statistics.median(r['rest'] for r in rows) / MiB:.0f} MB); {rows[0]['report']}")
        finally:
            server.shutdown()


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "child":
        what = sys.argv[2]
        if what == "parse":
            out = child_parse(sys.argv[3], trace=sys.argv[4] == "trace")
        else:
            out = child_refresh(sys.argv[3], sys.argv[4])
        print(json.dumps(out))
        return
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--items", type=int, default=34000)
    parser.add_argument("--format", choices=("rss", "jsonfeed", "both"), default="both")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--no-refresh", action="store_true", help="measure parse_feed only")
    args = parser.parse_args()
    for kind in ("rss", "jsonfeed") if args.format == "both" else (args.format,):
        bench(kind, args.items, args.runs, refresh=not args.no_refresh)


if __name__ == "__main__":
    main()

"""A soak run: `wiredesk run` with ingest and a digest edition in flight, children killed at random.

Used by tests/core/test_soak.py (a short run in `make test`) and bench/soak.py (the full one,
whose figures go in docs/benchmarks.md). Everything runs for real in a data folder of its
own: the demo wires and an SMTP server (aiosmtpd) in this process, `wiredesk run` and its
children as processes. A reader asks a brand's home page every 0.2 s throughout.

Figures: the longest stretch without an answered page, workers found frozen (restarted for
a stale heartbeat), tasks lost (messages left claimed by processes that are gone, or set
aside), emails sent twice, recipients missed (no message and not an "unknown" delivery,
the one state where the platform cannot know whether the server took the message), and how
long after the last kill each source was refreshed against its own interval.
"""

from __future__ import annotations

import collections
import datetime as dt
import http.client
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from tests.core.test_run import WIREDESK, alive, clean_env, descendants, free_port, query, wiredesk
from tests.mailsink import MailSink
from wiredesk.demo.server import DemoWireServer

ROOT = Path(__file__).resolve().parents[1]
HOST = "harbour.localhost"


@dataclass
class Figures:
    kills: int = 0
    killed: collections.Counter = field(default_factory=collections.Counter)
    seconds: float = 0.0
    requests: int = 0
    answered: int = 0
    longest_gap: float = 0.0
    frozen: int = 0
    restarts: int = 0
    left_claimed: int = 0
    set_aside: int = 0
    recipients: int = 0
    sent: int = 0
    duplicates: int = 0
    missed: int = 0
    unknown: int = 0
    edition_done: bool = False
    sources: int = 0
    sources_late: int = 0
    worst_refresh_after_kill: float = 0.0  # seconds after the last kill, the slowest source
    worst_refresh_allowed: float = 0.0  # its own interval (plus two ticks)
    notes: list[str] = field(default_factory=list)

    def ok(self) -> bool:
        return (self.frozen == 0 and self.left_claimed == 0 and self.set_aside == 0 and self.duplicates == 0
                and self.missed == 0 and self.edition_done and self.sources_late == 0 and self.answered > 0)

    def lines(self) -> list[str]:
        by_kind = ", ".join(f"{k} {n}" for k, n in sorted(self.killed.items()))
        return [
            f"kill -9 of random children   {self.kills} over {self.seconds:.0f} s ({by_kind})",
            f"brand page answered          {self.answered} of {self.requests} requests; longest gap {self.longest_gap:.1f} s",
            f"restarts by the supervisor   {self.restarts} (for a stale heartbeat, i.e. frozen: {self.frozen})",
            f"tasks lost                   {self.left_claimed} left claimed by dead processes, {self.set_aside} set aside",
            f"digest edition               {'done' if self.edition_done else 'NOT done'}; {self.recipients} recipients, "
            f"{self.sent} messages, {self.duplicates} duplicates, {self.missed} missed, "
            f"{self.unknown} unknown (killed mid-handover)",
            f"sources refreshed after last {self.sources - self.sources_late} of {self.sources} within their interval; "
            f"slowest {self.worst_refresh_after_kill:.0f} s (allowed {self.worst_refresh_allowed:.0f} s)",
        ]


def _kind(pid: int, run_pid: int) -> str:
    try:
        cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return "gone"
    if "gunicorn" in cmd:
        return "web master" if _parent(pid) == run_pid else "web worker"
    if " beat" in cmd:
        return "scheduler"
    if " worker" in cmd:
        return "task worker"
    return "other"


def _parent(pid: int) -> int:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, ValueError, IndexError):
        return 0


def _reader(port: int, stop: threading.Event, figures: Figures, lock: threading.Lock) -> None:
    last_ok = None
    while not stop.is_set():
        started = time.monotonic()
        status = 0
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/", headers={"Host": HOST})
            resp = conn.getresponse()
            resp.read()
            status = resp.status
            conn.close()
        except OSError:
            pass
        now = time.monotonic()
        with lock:
            figures.requests += 1
            if status == 200:
                figures.answered += 1
                if last_ok is not None:
                    figures.longest_gap = max(figures.longest_gap, now - last_ok)
                last_ok = now
        stop.wait(max(0.0, 0.2 - (now - started)))
    if last_ok is not None:
        with lock:
            figures.longest_gap = max(figures.longest_gap, time.monotonic() - last_ok)


def _parse(value) -> dt.datetime | None:
    if not value:
        return None
    stamp = dt.datetime.fromisoformat(str(value))
    return stamp if stamp.tzinfo else stamp.replace(tzinfo=dt.timezone.utc)


def soak(workdir: Path, *, seconds: float, kills: int, recipients: int, rate: float, seed: int,
         out=sys.stdout) -> Figures:
    """Run `wiredesk run` for about ``seconds`` while ``kills`` random children get SIGKILL."""
    rng = random.Random(seed)
    data = workdir / "data"
    port = free_port()
    sink = MailSink().start()
    env = clean_env(
        data, WIREDESK_PORT=str(port), WIREDESK_TICK_SECONDS="1",
        WIREDESK_DIGEST_LEASE_SECONDS="5", WIREDESK_DIGEST_RATE=str(rate),
        WIREDESK_EMAIL_BACKEND="smtp", EMAIL_HOST="127.0.0.1", EMAIL_PORT=str(sink.port),
        PYTHONPATH=str(ROOT),
    )
    db, queue = data / "wiredesk.sqlite3", data / "queue.sqlite3"
    log_path = workdir / "run.log"
    figures = Figures(seconds=seconds)
    wires = DemoWireServer(port=0, interval=5)
    run = None
    stop = threading.Event()
    lock = threading.Lock()
    reader = threading.Thread(target=_reader, args=(port, stop, figures, lock), daemon=True)
    try:
        wiredesk(env, "migrate", "--noinput", "-v", "0", timeout=180)
        wiredesk(env, "demo_load", "--wires-url", wires.url(""), timeout=120)
        setup = subprocess.run([sys.executable, "-m", "tests.digest.killsetup", str(recipients)], env=env,
                               cwd=ROOT, capture_output=True, text=True, timeout=180)
        if setup.returncode:
            raise RuntimeError(setup.stdout + setup.stderr)
        edition_id = int(setup.stdout.strip().splitlines()[-1])
        expected = {row[0] for row in query(db, "SELECT email FROM digest_subscriber")}
        figures.recipients = len(expected)

        with open(log_path, "wb") as log:
            run = subprocess.Popen([str(WIREDESK), "run"], env=env, stdout=log, stderr=subprocess.STDOUT,
                                   start_new_session=True, cwd=ROOT)
        deadline = time.monotonic() + 90
        while not (query(db, "SELECT 1 FROM stories_article LIMIT 1") and len(descendants(run.pid)) >= 6):
            if time.monotonic() > deadline or run.poll() is not None:
                raise RuntimeError("wiredesk run did not come up\n" + log_path.read_text(errors="replace")[-3000:])
            time.sleep(0.5)
        reader.start()
        started = time.monotonic()
        moments = sorted(rng.uniform(0, seconds) for _ in range(kills))
        for moment in moments:
            time.sleep(max(0.0, started + moment - time.monotonic()))
            tree = descendants(run.pid)
            if not tree:
                continue
            pid = rng.choice(sorted(tree))
            kind = _kind(pid, run.pid)
            try:
                if alive(pid, tree[pid]):
                    os.kill(pid, signal.SIGKILL)
                    figures.kills += 1
                    figures.killed[kind] += 1
            except ProcessLookupError:
                pass
            if run.poll() is not None:
                raise RuntimeError("wiredesk run exited\n" + log_path.read_text(errors="replace")[-3000:])
        last_kill = time.monotonic()
        last_kill_wall = dt.datetime.now(dt.timezone.utc)
        out.write(f"{figures.kills} kills done; waiting for the edition and every source\n")

        # Every demo wire refreshed again within its own interval after the last kill (the
        # edition's brand has a source of its own that cannot be fetched, on its error backoff).
        sources = {sid: (_parse(nxt), _parse(chk))
                   for sid, nxt, chk, url in query(db, "SELECT id, next_check_at, last_checked_at, feed_url "
                                                       "FROM sources_source")
                   if url.startswith(wires.url(""))}
        figures.sources = len(sources)
        allowed = {}
        for sid, (nxt, chk) in sources.items():
            interval = (nxt - chk).total_seconds() if nxt and chk else 60.0
            allowed[sid] = max(interval, 1.0) + 2 * 1 + 5  # its interval, two ticks, the fetch itself
        refreshed: dict[int, float] = {}
        status = None
        wait_until = last_kill + max(allowed.values(), default=60) + 120
        while time.monotonic() < wait_until:
            for sid, chk in query(db, "SELECT id, last_checked_at FROM sources_source"):
                when = _parse(chk)
                if sid in sources and sid not in refreshed and when and when > last_kill_wall:
                    refreshed[sid] = (when - last_kill_wall).total_seconds()
            rows = query(db, f"SELECT status FROM digest_edition WHERE id={edition_id}")
            status = rows[0][0] if rows else status
            if status == "done" and len(refreshed) == len(sources):
                break
            time.sleep(0.5)
        figures.edition_done = status == "done"
        for sid in sources:
            took = refreshed.get(sid)
            if took is None or took > allowed[sid]:
                figures.sources_late += 1
            if took is not None and took >= figures.worst_refresh_after_kill:
                figures.worst_refresh_after_kill, figures.worst_refresh_allowed = took, allowed[sid]
        time.sleep(3)  # let the reclaim of the last kill's claims happen (every 2 s per consumer)
        statuses = json.loads((data / "run" / "status.json").read_text())["processes"]
        figures.restarts = sum(p["restarts"] for p in statuses)
        figures.frozen = sum(1 for p in statuses for r in p["recent_restarts"] if "heartbeat stale" in r["cause"])
        claimed = query(queue, "SELECT owner_pid, owner_start FROM message WHERE owner IS NOT NULL")
        from wiredesk.core.broker import process_alive

        figures.left_claimed = sum(1 for pid, start in claimed if not process_alive(int(pid), start or ""))
        figures.set_aside = query(queue, "SELECT COUNT(*) FROM dead")[0][0]
    finally:
        stop.set()
        if reader.is_alive():
            reader.join(timeout=10)
        if run is not None and run.poll() is None:
            run.send_signal(signal.SIGTERM)
            try:
                run.wait(timeout=40)
            except subprocess.TimeoutExpired:
                os.killpg(run.pid, signal.SIGKILL)
                run.wait(timeout=10)
        sink.stop()
        wires.stop()

    received = collections.Counter(r for m in sink.messages for r in m.rcpt_tos)
    states = dict(query(db, "SELECT s.email, d.state FROM digest_delivery d JOIN digest_subscriber s "
                            f"ON s.id = d.subscriber_id WHERE d.edition_id={edition_id}"))
    figures.sent = sum(received.values())
    figures.duplicates = sum(n - 1 for n in received.values() if n > 1)
    figures.unknown = sum(1 for s in states.values() if s == "unknown")
    figures.missed = sum(1 for address in expected if received[address] == 0 and states.get(address) != "unknown")
    return figures

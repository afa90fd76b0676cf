"""Daily-email benchmark: one edition per brand to 100,000 subscribers, against plain smtplib.

    .venv/bin/python bench/digest.py [--subscribers 100000]

1. setup (not timed): a fresh SQLite data folder, two brands with a day's stories stored
   through the real pipeline, N confirmed subscribers split across them with varied sections,
   and each brand's edition opened.
2. sink: an aiosmtpd server in its own process that accepts and counts messages per recipient.
3. wiredesk: ``wiredesk digest send --brand HOST --wait`` for each brand, in a child process
   (the real sender: recipient list, render per section set, per-recipient links and headers,
   the sending/sent bookkeeping of every row). Its peak RSS is read from the kernel.
4. baseline, in the same run: a child process that sends the same number of pre-built
   messages (the sizes of the real ones) with smtplib over one connection.

Prints messages per second of both, the ratio (target >= 0.5) and the sender's peak memory
(target < 300 MB), and checks that every subscriber got exactly one message.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import multiprocessing
import os
import random
import smtplib
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
HOSTS = ("harbour.bench", "lakeside.bench")
SECTION_SETS = (
    ["world", "business"], ["world"], ["business"], ["sports"], ["world", "business", "technology"],
    ["technology", "sports"], ["world", "sports"], ["business", "technology", "sports", "world"],
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- the sink ------------------------------------------------------------------------------


def _sink(port: int, ready, stop, result) -> None:
    from aiosmtpd.controller import Controller

    class Counter:
        def __init__(self) -> None:
            self.per_rcpt: dict[str, int] = {}
            self.messages = 0

        async def handle_DATA(self, server, session, envelope):
            self.messages += 1
            for r in envelope.rcpt_tos:
                self.per_rcpt[r] = self.per_rcpt.get(r, 0) + 1
            return "250 OK"

    handler = Counter()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    ready.set()
    while True:
        command = stop.get()
        if command == "count":
            result.put((handler.messages, len(handler.per_rcpt), sum(1 for n in handler.per_rcpt.values() if n > 1)))
            handler.per_rcpt.clear()
            handler.messages = 0
        else:
            break
    controller.stop()


class Sink:
    def __init__(self) -> None:
        self.port = free_port()
        ctx = multiprocessing.get_context("spawn")
        self.ready, self.commands, self.results = ctx.Event(), ctx.Queue(), ctx.Queue()
        self.proc = ctx.Process(target=_sink, args=(self.port, self.ready, self.commands, self.results), daemon=True)

    def __enter__(self) -> "Sink":
        self.proc.start()
        self.ready.wait(30)
        return self

    def take_counts(self) -> tuple[int, int, int]:
        """(messages, distinct recipients, recipients with more than one) since the last call."""
        self.commands.put("count")
        return self.results.get(timeout=60)

    def __exit__(self, *exc) -> None:
        self.commands.put("stop")
        self.proc.join(10)


# --- setup ---------------------------------------------------------------------------------


def env_for(data_dir: str, port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WIREDESK_", "EMAIL_")) and k not in ("DATABASE_URL", "CELERY_BROKER_URL", "CACHE_URL")}
    env.update(
        WIREDESK_DATA_DIR=data_dir, WIREDESK_LOG_LEVEL="WARNING", WIREDESK_DIGEST_RATE="0",
        WIREDESK_EMAIL_BACKEND="smtp", EMAIL_HOST="127.0.0.1", EMAIL_PORT=str(port), PYTHONPATH=str(ROOT),
    )
    return env


def setup(data_dir: str, port: int, subscribers: int) -> list[bytes]:
    """Fill the database; return one pre-built message per section set for the baseline."""
    os.environ.update(env_for(data_dir, port))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wiredesk.project.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import timezone

    call_command("migrate", verbosity=0)
    from tests.web.factories import make_brand, make_source, store
    from wiredesk.digest.models import Subscriber
    from wiredesk.digest.render import EditionRenderer
    from wiredesk.digest.services import editions, sending

    rng = random.Random(7)
    now = timezone.now()
    samples: list[bytes] = []
    for b, host in enumerate(HOSTS):
        source = make_source(f"Bench Wire {b}")
        brand = make_brand(f"Bench Courier {b}", [host], sources=[source])
        for section in ("world", "business", "technology", "sports"):
            for n in range(5):
                store(source, f"{section.title()} bench story {n} from desk {b} on the waterfront plans",
                      section=section, published=now - dt.timedelta(minutes=5 + n),
                      body="<p>" + "The council heard from residents about the plan again. " * 12 + "</p>")
        confirmed = now - dt.timedelta(hours=2)
        share = subscribers // len(HOSTS) + (1 if b < subscribers % len(HOSTS) else 0)
        batch = []
        for n in range(share):
            batch.append(Subscriber(brand=brand, email=f"r{b}x{n:06d}@mail.bench", status=Subscriber.Status.CONFIRMED,
                                    confirmed_at=confirmed, sections=rng.choice(SECTION_SETS)))
            if len(batch) == 5000:
                Subscriber.objects.bulk_create(batch)
                batch = []
        Subscriber.objects.bulk_create(batch)
        edition, created = editions.edition_open(brand=brand, date=timezone.localdate(), now=timezone.now())
        assert created, "no edition opened"
        renderer = EditionRenderer(brand=brand, date=edition.date, stories=edition.stories, subject=edition.subject)
        transport = sending.Transport()
        for i, sections in enumerate(SECTION_SETS):
            parts = renderer.parts(sections)
            message = sending.message_build(edition=edition, parts=parts, delivery_id=10_000_000 + i,
                                            key=f"samplekey{i:02d}xxxxxxxxxxx", email=f"sample{i}@mail.bench")
            samples.append(transport.prepare(message)[2])
    return samples


# --- the two senders -----------------------------------------------------------------------


def _launcher(commands, results) -> None:
    """Runs the sender's commands from a small process, so a child's peak memory is its own.

    (A child forked from the big set-up process would count the parent's pages it inherited
    until exec in its peak resident size.)
    """
    while (job := commands.get()) is not None:
        argv, env = job
        proc = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, text=True)
        out = proc.stdout.read()
        _pid, status, usage = os.wait4(proc.pid, 0)
        results.put((os.waitstatus_to_exitcode(status), out, usage.ru_maxrss / 1024))


class Launcher:
    def __init__(self) -> None:
        ctx = multiprocessing.get_context("spawn")
        self.commands, self.results = ctx.Queue(), ctx.Queue()
        self.proc = ctx.Process(target=_launcher, args=(self.commands, self.results), daemon=True)
        self.proc.start()

    def run(self, argv: list[str], env: dict[str, str]) -> tuple[int, str, float]:
        self.commands.put((argv, env))
        return self.results.get()

    def close(self) -> None:
        self.commands.put(None)
        self.proc.join(10)


def run_wiredesk(launcher: Launcher, data_dir: str, port: int) -> tuple[float, float, str]:
    """Send both editions with the real CLI in child processes; (seconds, peak MB, output)."""
    wiredesk = Path(sys.executable).parent / "wiredesk"
    started = time.perf_counter()
    outputs, peaks = [], []
    for host in HOSTS:
        code, out, peak = launcher.run([str(wiredesk), "digest", "send", "--brand", host, "--wait"], env_for(data_dir, port))
        if code:
            sys.exit(f"wiredesk digest send exited with {code}")
        outputs.append(out.strip())
        peaks.append(peak)
    seconds = time.perf_counter() - started
    return seconds, max(peaks), " | ".join(outputs)


def _baseline(port: int, samples: list[bytes], count: int, out) -> None:
    start = time.perf_counter()
    smtp = smtplib.SMTP("127.0.0.1", port)
    for n in range(count):
        smtp.sendmail("news@bench.invalid", [f"base{n:06d}@mail.bench"], samples[n % len(samples)])
    smtp.quit()
    out.put(time.perf_counter() - start)


def run_baseline(port: int, samples: list[bytes], count: int) -> float:
    ctx = multiprocessing.get_context("spawn")
    out = ctx.Queue()
    proc = ctx.Process(target=_baseline, args=(port, samples, count, out))
    proc.start()
    seconds = out.get()
    proc.join()
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscribers", type=int, default=100_000)
    args = parser.parse_args()
    n = args.subscribers
    launcher = Launcher()  # started first, while this process is still small
    with tempfile.TemporaryDirectory(prefix="wiredesk-digest-") as tmp, Sink() as sink:
        t0 = time.perf_counter()
        samples = setup(tmp, sink.port, n)
        print(f"setup: {n:,} subscribers in 2 brands, editions opened ({time.perf_counter() - t0:.0f} s)")
        print(f"message sizes: {min(map(len, samples)):,} to {max(map(len, samples)):,} bytes")

        base_s = run_baseline(sink.port, samples, n)
        base_msgs, base_rcpts, _ = sink.take_counts()
        ours_s, peak_mb, output = run_wiredesk(launcher, tmp, sink.port)
        launcher.close()
        msgs, rcpts, dupes = sink.take_counts()
        print(f"wiredesk: {output}")
        base_rate, ours_rate = base_msgs / base_s, msgs / ours_s
        print(f"smtplib, pre-built messages, one connection: {base_msgs:>7,} messages {base_s:6.1f} s {base_rate:8.0f} msg/s")
        print(f"wiredesk digest send (2 editions)          : {msgs:>7,} messages {ours_s:6.1f} s {ours_rate:8.0f} msg/s")
        print(f"ratio wiredesk / smtplib: {ours_rate / base_rate:.2f} (target >= 0.50)")
        print(f"sender peak memory: {peak_mb:.0f} MB (target < 300 MB)")
        print(f"recipients reached: {rcpts:,} of {n:,}; more than one message: {dupes}")
        if msgs != n or rcpts != n or dupes:
            sys.exit("not every subscriber got exactly one message")


if __name__ == "__main__":
    main()

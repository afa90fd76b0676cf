"""wiredesk worker: task workers (start as many as you like, on any machine of the broker)."""

import os
import sys
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from wiredesk.core.broker import adopt_old_queue, is_embedded
from wiredesk.core.processes import embedded_workers, supervise, worker_argv


class Command(BaseCommand):
    help = ("Run task workers in the foreground: on Redis or RabbitMQ one Celery worker with N pool "
            "processes; on the embedded broker N one-process workers, restarted if one dies or hangs.")

    def add_arguments(self, parser) -> None:
        parser.add_argument("--concurrency", type=int, default=2, help="pool processes or workers (default 2)")
        parser.add_argument("--name", default="", help="the worker's node name before @host (default: worker<pid>, "
                                                      "unique on the machine)")

    def handle(self, *args, concurrency: int, name: str, **opts) -> None:
        if concurrency < 1:
            self.stderr.write("--concurrency must be at least 1")
            sys.exit(2)
        if name and not all(c.isalnum() or c in "-_." for c in name):
            self.stderr.write("--name takes letters, digits, '-', '_' and '.'")
            sys.exit(2)
        if is_embedded(settings.CELERY_BROKER_URL):
            adopt_old_queue(settings.DATA_DIR, settings.CELERY_BROKER_URL)  # an upgrade's waiting tasks
            # Named after this process: `wiredesk run` on the same machine has its own workers.
            procs = embedded_workers(concurrency, prefix=name or f"worker{os.getpid()}")
            try:
                code = supervise(procs, out=self.stdout)
            finally:
                for proc in procs:
                    Path(proc.heartbeat).unlink(missing_ok=True)
            sys.exit(code)
        argv = worker_argv(concurrency=concurrency, name=name)
        os.execv(argv[0], argv)

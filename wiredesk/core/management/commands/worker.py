"""wiredesk worker: task workers (start as many as you like, on any machine of the broker)."""

import os
import sys

from django.conf import settings
from django.core.management.base import BaseCommand

from wiredesk.core.broker import is_embedded
from wiredesk.core.processes import embedded_workers, supervise, worker_argv


class Command(BaseCommand):
    help = ("Run task workers in the foreground: on Redis or RabbitMQ one Celery worker with N pool "
            "processes; on the embedded broker N one-process workers, restarted if one dies or hangs.")

    def add_arguments(self, parser) -> None:
        parser.add_argument("--concurrency", type=int, default=2, help="pool processes or workers (default 2)")

    def handle(self, *args, concurrency: int, **opts) -> None:
        if concurrency < 1:
            self.stderr.write("--concurrency must be at least 1")
            sys.exit(2)
        if is_embedded(settings.CELERY_BROKER_URL):
            sys.exit(supervise(embedded_workers(concurrency), out=self.stdout))
        argv = worker_argv(concurrency=concurrency)
        os.execv(argv[0], argv)

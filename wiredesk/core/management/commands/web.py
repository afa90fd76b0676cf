"""wiredesk web: the web server alone (gunicorn)."""

import os

from django.core.management.base import BaseCommand

from wiredesk.core.processes import web_argv


class Command(BaseCommand):
    help = "Run the web server (gunicorn) in the foreground."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", "2")))
        # Rendering a page is CPU work under the GIL: a second thread in a process only queues
        # behind the first and lengthens the tail (bench/serve.py: p99 14 ms with one thread,
        # 18-34 ms with two, on 2 cores). Scale with --workers; more threads help only when
        # pages wait on a remote database.
        parser.add_argument("--threads", type=int, default=1)

    def handle(self, *args, workers: int, threads: int, **opts) -> None:
        argv = web_argv(workers=workers, threads=threads)
        os.execv(argv[0], argv)

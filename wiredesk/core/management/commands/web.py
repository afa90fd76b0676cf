"""wiredesk web: the web server alone (gunicorn with uvicorn workers)."""

import os

from django.core.management.base import BaseCommand

from wiredesk.core.processes import web_argv


class Command(BaseCommand):
    help = "Run the web server (gunicorn managing uvicorn workers) in the foreground."

    def add_arguments(self, parser) -> None:
        # Each worker answers cached pages on its event loop and renders the rest on one
        # thread: rendering is CPU work under the GIL, so scale with workers, about one per core.
        parser.add_argument("--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", "2")))

    def handle(self, *args, workers: int, **opts) -> None:
        argv = web_argv(workers=workers)
        os.execv(argv[0], argv)

"""wiredesk worker: one Celery worker (start as many as you like, on any machine)."""

import os

from django.core.management.base import BaseCommand

from wiredesk.core.processes import worker_argv


class Command(BaseCommand):
    help = "Run a Celery worker in the foreground."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--concurrency", type=int, default=2)

    def handle(self, *args, concurrency: int, **opts) -> None:
        argv = worker_argv(concurrency=concurrency)
        os.execv(argv[0], argv)

"""wiredesk scheduler: the beat that enqueues due work. Run exactly one per deployment."""

import os

from django.core.management.base import BaseCommand

from wiredesk.core.processes import scheduler_argv


class Command(BaseCommand):
    help = "Run the scheduler (Celery beat) in the foreground."

    def handle(self, *args, **opts) -> None:
        argv = scheduler_argv()
        os.execv(argv[0], argv)

"""wiredesk run: web server, worker and scheduler together (the one-machine deployment)."""

import sys

from django.conf import settings
from django.core.management.base import BaseCommand

from wiredesk.core.processes import Proc, scheduler_argv, supervise, web_argv, worker_argv


class Command(BaseCommand):
    help = "Run the web server, a worker and the scheduler together until Ctrl-C."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--demo-wires", type=int, metavar="PORT", default=0,
                            help="also serve the demo partner wires on this loopback port")

    def handle(self, *args, demo_wires: int, **opts) -> None:
        procs = [
            Proc("web", web_argv()),
            Proc("worker", worker_argv()),
            Proc("scheduler", scheduler_argv()),
        ]
        if demo_wires:
            procs.insert(0, Proc("demo wires", [sys.executable, "-m", "wiredesk", "demo_wires", "--port", str(demo_wires)]))
        self.stdout.write(f"wiredesk is starting on http://{settings.WIREDESK_BIND}:{settings.WIREDESK_PORT}/ (Ctrl-C stops it)")
        sys.exit(supervise(procs, out=self.stdout))

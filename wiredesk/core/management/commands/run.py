"""wiredesk run: web server, worker and scheduler together (the one-machine deployment)."""

import sys

from django.conf import settings
from django.core.management.base import BaseCommand

from wiredesk.core.broker import adopt_old_queue, is_embedded
from wiredesk.core.heartbeat import STATUS, heartbeat_path, run_dir
from wiredesk.core.processes import (
    Proc, embedded_workers, scheduler_argv, scheduler_stale_after, supervise, web_argv, worker_argv,
    worker_stale_after,
)

WEB_STALE_AFTER = 60.0  # seconds the web server may go without answering a request of ours


class Command(BaseCommand):
    help = "Run the web server, the workers and the scheduler together until Ctrl-C; restart any that dies or hangs."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--demo-wires", type=int, metavar="PORT", default=0,
                            help="also serve the demo partner wires on this loopback port")

    def handle(self, *args, demo_wires: int, **opts) -> None:
        host = "127.0.0.1" if settings.WIREDESK_BIND in ("0.0.0.0", "", "::") else settings.WIREDESK_BIND
        count = settings.WIREDESK_WORKERS
        if is_embedded(settings.CELERY_BROKER_URL):
            adopt_old_queue(settings.DATA_DIR, settings.CELERY_BROKER_URL)  # an upgrade's waiting tasks
            workers = embedded_workers(count)
        else:
            workers = [Proc("worker", worker_argv(concurrency=count), heartbeat=str(heartbeat_path("worker")),
                            stale_after=worker_stale_after())]
        procs = [
            Proc("web", web_argv(), probe=(host, settings.WIREDESK_PORT), stale_after=WEB_STALE_AFTER),
            *workers,
            Proc("scheduler", scheduler_argv(), heartbeat=str(heartbeat_path("scheduler")),
                 stale_after=scheduler_stale_after()),
        ]
        if demo_wires:
            procs.insert(0, Proc("demo wires", [sys.executable, "-m", "wiredesk", "demo_wires", "--port", str(demo_wires)]))
            # An editor's first morning: a pinned story and a correction once the wires brought them.
            procs.append(Proc("demo desk", [sys.executable, "-m", "wiredesk", "demo_desk", "--wait", "1800"], once=True))
        self.stdout.write(f"wiredesk is starting on http://{settings.WIREDESK_BIND}:{settings.WIREDESK_PORT}/ (Ctrl-C stops it)")
        sys.exit(supervise(procs, out=self.stdout, status_file=run_dir() / STATUS))

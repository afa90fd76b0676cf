"""wiredesk demo_desk: once the demo wires have brought stories, pin one and correct one."""

import time

from django.core.management.base import BaseCommand
from django.utils import timezone

from wiredesk.demo.desk import demo_desk


class Command(BaseCommand):
    help = ("Pin a story covered by several wires and publish a correction on the demo's Harbour Telegraph, "
            "waiting for the wires to bring them; does nothing when done before.")

    def add_arguments(self, parser) -> None:
        parser.add_argument("--wait", type=float, default=0.0, metavar="SECONDS",
                            help="how long to wait for the first stories (default: try once)")

    def handle(self, *args, wait: float, **opts) -> None:
        ends = time.monotonic() + wait
        while True:
            done = demo_desk(now=timezone.now())
            if done is None:
                self.stdout.write("demo desk: done before (or no demo brand); nothing to do")
                return
            if done or time.monotonic() >= ends:
                break
            time.sleep(5)
        for line in done:
            self.stdout.write(line)
        if not done:
            self.stdout.write("demo desk: no story covered by two wires yet; run it again later")

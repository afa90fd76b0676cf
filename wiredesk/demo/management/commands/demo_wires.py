"""wiredesk demo_wires: serve the invented demo partner wires over HTTP."""

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from wiredesk.demo.server import serve
from wiredesk.demo.stories import WIRES
from wiredesk.sources.models import Source


def _load_hint(root: str) -> str:
    """Whether the site already polls these wires (`make run` loads them first), or how to."""
    try:
        loaded = Source.objects.filter(feed_url__in=[root + wire.feed_path for wire in WIRES.values()]).count()
    except DatabaseError:  # no database yet: nothing is loaded
        loaded = 0
    if loaded == len(WIRES):
        return "the site already polls them (their sources are loaded)"
    return f"load them into the site with: wiredesk demo_load --wires-url {root}"


class Command(BaseCommand):
    help = "Serve the demo partner wires (RSS, Atom, JSON Feed, summary RSS + article pages)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8001)
        parser.add_argument("--interval", type=float, default=30.0,
                            help="Mean seconds between new stories of one wire (default 30)")
        parser.add_argument("--initial", type=int, default=6, help="Stories per wire visible at start (default 6)")

    def handle(self, *args, host: str, port: int, interval: float, initial: int, **opts) -> None:
        if interval <= 0 or initial < 0:
            raise CommandError("--interval must be > 0 and --initial >= 0")
        root = f"http://{host}:{port}"
        self.stdout.write(f"demo wires on {root}/ (a new story per wire every ~{interval:g}s; Ctrl-C stops)")
        for wire in WIRES.values():
            self.stdout.write(f"  {wire.name:<22} {wire.format:<12} {root}{wire.feed_path}")
        self.stdout.write(_load_hint(root))
        self.stdout.flush()
        try:
            serve(host=host, port=port, interval=interval, initial=initial)
        except OSError as exc:
            raise CommandError(f"cannot listen on {host}:{port}: {exc}") from exc

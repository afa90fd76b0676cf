"""wiredesk demo_load: create the demo Sources and Brands (safe to run again)."""

from django.core.management.base import BaseCommand, CommandError

from wiredesk.brands.selectors import host_origin
from wiredesk.demo.services import demo_load


class Command(BaseCommand):
    help = "Create the four demo wire Sources and the two demo Brands; running it twice changes nothing."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--wires-url", default="http://127.0.0.1:8001",
                            help="Root URL of the running demo_wires server")

    def handle(self, *args, wires_url: str, **opts) -> None:
        try:
            report = demo_load(wires_url=wires_url)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        for name, feed_url, action in report["sources"]:
            self.stdout.write(f"source {action:<9} {name} <{feed_url}>")
        for name, host, action in report["brands"]:
            self.stdout.write(f"brand  {action:<9} {name} on {host_origin(host=host)}/")

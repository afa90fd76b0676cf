"""wiredesk config_doc: print docs/configuration.md from the environment table."""

from django.core.management.base import BaseCommand

from wiredesk.core import env


class Command(BaseCommand):
    help = "Print the configuration reference generated from wiredesk/core/env.py."

    def handle(self, *args, **opts) -> None:
        self.stdout.write(env.markdown(), ending="")

"""wiredesk stories_backfill: file every article that has no story yet (after an upgrade, or a
placement that failed) into the stories of their events, oldest first."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from wiredesk.stories.services.placing import stories_backfill


class Command(BaseCommand):
    help = "Place stored articles that have no story (ingest places new ones as it stores them)."

    def handle(self, *args, **opts) -> None:
        placed = stories_backfill()
        self.stdout.write(f"stories: {placed} articles placed")

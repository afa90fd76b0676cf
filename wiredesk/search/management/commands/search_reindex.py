"""wiredesk search_reindex: rebuild the full-text search index from the stored articles."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from wiredesk.search.services import search_index_rebuild


class Command(BaseCommand):
    help = "Rebuild the search index from every stored article (ingest keeps it current otherwise)."

    def handle(self, *args, **opts) -> None:
        indexed = search_index_rebuild()
        self.stdout.write(f"search index rebuilt: {indexed} articles")

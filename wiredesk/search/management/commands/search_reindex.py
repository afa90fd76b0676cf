"""wiredesk search_reindex: rebuild the full-text search index, or check it against the articles."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from wiredesk.search.drift import search_index_drift
from wiredesk.search.services import search_index_rebuild

SHOWN = 10  # ids listed per kind of drift


def _ids(ids: tuple[int, ...]) -> str:
    more = f" and {len(ids) - SHOWN} more" if len(ids) > SHOWN else ""
    return ", ".join(map(str, ids[:SHOWN])) + more


class Command(BaseCommand):
    help = "Rebuild the search index from every stored article (ingest keeps it current otherwise)."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--check", action="store_true",
            help="Change nothing: report articles missing from the index, index rows whose article "
                 "is gone and rows whose title differs; exit with status 1 when there are any.",
        )

    def handle(self, *args, **opts) -> None:
        if not opts["check"]:
            indexed = search_index_rebuild()
            self.stdout.write(f"search index rebuilt: {indexed} articles")
            return
        drift = search_index_drift()
        self.stdout.write(f"search index: {drift.rows} rows for {drift.articles} articles")
        for label, ids in (("articles missing from the index", drift.missing),
                           ("index rows whose article is gone", drift.orphaned),
                           ("index rows with another title than their article", drift.stale)):
            if ids:
                self.stdout.write(f"{label}: {len(ids)} (ids {_ids(ids)})")
        if drift:
            raise CommandError("the search index has drifted; `wiredesk search_reindex` rebuilds it", returncode=1)
        self.stdout.write("no drift")

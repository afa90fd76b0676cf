"""wiredesk fetch [SOURCE...|--all] [--json]: refresh sources now, in this process."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError
from rich.progress import Progress

from wiredesk.ingest.services import source_refresh
from wiredesk.sources.models import Source
from wiredesk.sources.selectors import source_find


class Command(BaseCommand):
    help = "Refresh sources now and print a summary of new / updated / unchanged / failed."

    def add_arguments(self, parser) -> None:
        parser.add_argument("sources", nargs="*", help="source ids, names or feed URLs")
        parser.add_argument("--all", action="store_true", help="every enabled source")
        parser.add_argument("--json", action="store_true", help="print the summary as one JSON object")

    def handle(self, *args, sources: list[str], all: bool, json: bool, **opts) -> None:
        as_json = json
        if all == bool(sources):
            raise CommandError("name the sources to fetch, or pass --all")
        if all:
            targets = list(Source.objects.filter(enabled=True).order_by("id"))
        else:
            targets = []
            for ref in sources:
                found = source_find(ref=ref)
                if found is None:
                    raise CommandError(f"no source {ref!r} (give an id, a name or a feed URL)")
                targets.append(found)
        summary = {"sources": len(targets), "new": 0, "updated": 0, "unchanged": 0, "failed": 0,
                   "not_modified": 0, "failed_items": 0, "errors": []}
        with Progress(disable=as_json or not self.stderr.isatty(), transient=True) as progress:
            task = progress.add_task("fetching", total=len(targets))
            for source in targets:
                progress.update(task, description=source.name[:40])
                report = source_refresh(source_id=source.id)
                for key in ("new", "updated", "unchanged", "failed_items"):
                    summary[key] += getattr(report, key)
                if report.status == "error":
                    summary["failed"] += 1
                    summary["errors"].append({"source_id": source.id, "source": source.name, "error": report.error})
                elif report.status == "not_modified":
                    summary["not_modified"] += 1
                progress.advance(task)
        if as_json:
            self.stdout.write(_json_dumps(summary))
            return
        for err in summary["errors"]:
            self.stderr.write(f"failed: {err['source']} (id {err['source_id']}): {err['error']}")
        self.stdout.write(
            f"{summary['sources']} sources: {summary['new']} new, {summary['updated']} updated, "
            f"{summary['unchanged']} unchanged, {summary['failed']} failed"
            + (f" ({summary['not_modified']} not modified since last fetch)" if summary["not_modified"] else "")
            + (f", {summary['failed_items']} items could not be stored" if summary["failed_items"] else "")
        )


def _json_dumps(obj) -> str:
    return json.dumps(obj, ensure_ascii=False, sort_keys=True)

"""``wiredesk extract FILE... [--json] [--url URL] [--source NAME]``: run the article extractor on saved pages.

With ``--source`` (a source's name or id) the furniture learned from that source's pages is
taken out, as a refresh of that source would.
"""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from wiredesk.ingest.extract import ExtractError, extract_article


class Command(BaseCommand):
    help = "Extract the main text of saved HTML pages (a check of the extract stage)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("files", nargs="+", metavar="FILE", help="saved HTML page")
        parser.add_argument("--json", action="store_true", help="one JSON object per line: file, title, text")
        parser.add_argument("--url", help="the pages' address, for resolving relative links (default: the file)")
        parser.add_argument("--source", metavar="NAME", help="use the page furniture learned for this source (name or id)")

    def handle(self, *args, **options) -> None:
        furniture = self._furniture(options["source"]) if options["source"] else frozenset()
        failed = 0
        for name in options["files"]:
            path = Path(name)
            try:
                result = extract_article(path.read_bytes(), url=options["url"] or path.resolve().as_uri(), furniture=furniture)
            except (OSError, ExtractError) as exc:
                failed += 1
                self._failure(name, exc, as_json=options["json"])
                continue
            if options["json"]:
                self.stdout.write(json.dumps({"file": name, "title": result.title, "text": result.text}, ensure_ascii=False))
            else:
                self.stdout.write(f"== {name}\n{result.title}\n\n{result.text}\n")
        if failed:
            raise CommandError(f"{failed} of {len(options['files'])} files failed")

    def _furniture(self, wanted: str) -> frozenset[str]:
        from wiredesk.ingest.profiles import furniture_profile
        from wiredesk.sources.models import Source

        matches = list(Source.objects.filter(name=wanted).values_list("id", flat=True)[:2])
        if not matches and wanted.isdigit():
            matches = list(Source.objects.filter(id=int(wanted)).values_list("id", flat=True))
        if not matches:
            raise CommandError(f"no source named {wanted!r} (give its name, as in the admin, or its id)")
        if len(matches) > 1:
            raise CommandError(f"more than one source is named {wanted!r}: give its id")
        return furniture_profile(source_id=matches[0]).furniture()

    def _failure(self, name: str, exc: Exception, *, as_json: bool) -> None:
        message = f"{exc.code}: {exc}" if isinstance(exc, ExtractError) else f"unreadable: {exc.strerror or exc}"
        if as_json:
            self.stdout.write(json.dumps({"file": name, "error": message}, ensure_ascii=False))
        else:
            self.stderr.write(f"== {name}\nerror: {message}\n")

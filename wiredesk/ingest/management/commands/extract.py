"""``wiredesk extract FILE... [--json] [--url URL]``: run the article extractor on saved pages."""

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

    def handle(self, *args, **options) -> None:
        failed = 0
        for name in options["files"]:
            path = Path(name)
            try:
                result = extract_article(path.read_bytes(), url=options["url"] or path.resolve().as_uri())
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

    def _failure(self, name: str, exc: Exception, *, as_json: bool) -> None:
        message = f"{exc.code}: {exc}" if isinstance(exc, ExtractError) else f"unreadable: {exc.strerror or exc}"
        if as_json:
            self.stdout.write(json.dumps({"file": name, "error": message}, ensure_ascii=False))
        else:
            self.stderr.write(f"== {name}\nerror: {message}\n")

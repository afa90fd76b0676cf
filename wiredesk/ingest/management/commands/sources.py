"""wiredesk sources add|import-opml|export-opml|list|pause|resume"""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from rich.console import Console
from rich.table import Table

from wiredesk.ingest.subscribe import SourceError, source_add
from wiredesk.sources.models import Source
from wiredesk.sources.opml import OpmlError, Outline, parse_opml, render_opml
from wiredesk.sources.selectors import source_find, sources_health
from wiredesk.sources.services import source_set_enabled, sources_import


def _ago(when, now) -> str:
    if when is None:
        return "never"
    seconds = int((now - when).total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if abs(seconds) >= size:
            return f"{seconds // size}{unit} ago"
    return f"{seconds}s ago"


class Command(BaseCommand):
    help = "Manage partner sources: add (with feed autodiscovery), OPML import/export, health list."

    def add_arguments(self, parser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        add = sub.add_parser("add", help="add a feed, or a site whose home page advertises one")
        add.add_argument("url")
        add.add_argument("--name", default="")
        add.add_argument("--credit", default="", help="credit shown on pages, e.g. RT.com")
        imp = sub.add_parser("import-opml", help="add every feed of an OPML file")
        imp.add_argument("file")
        sub.add_parser("export-opml", help="print all sources as OPML 2.0")
        sub.add_parser("list", help="health table: last success, errors, items per day")
        for name in ("pause", "resume"):
            p = sub.add_parser(name, help=f"{name} a source (id, name or feed URL)")
            p.add_argument("source")

    def handle(self, *args, action: str, **opts) -> None:
        getattr(self, "do_" + action.replace("-", "_"))(**opts)

    def do_add(self, *, url: str, name: str, credit: str, **_) -> None:
        try:
            source = source_add(url=url, name=name, credit=credit)
        except SourceError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"added source {source.id}: {source.name} <{source.feed_url}>")

    def do_import_opml(self, *, file: str, **_) -> None:
        try:
            with open(file, "rb") as fh:
                outlines = parse_opml(fh.read())
        except OSError as exc:
            raise CommandError(f"cannot read {file}: {exc.strerror}") from exc
        except OpmlError as exc:
            raise CommandError(f"{file}: {exc}") from exc
        created, skipped = sources_import(outlines=outlines)
        for s in created:
            self.stdout.write(f"added source {s.id}: {s.name} <{s.feed_url}>")
        for url in skipped:
            self.stdout.write(f"skipped {url} (already a source or not an http(s) URL)")
        self.stdout.write(f"{len(created)} added, {len(skipped)} skipped")

    def do_export_opml(self, **_) -> None:
        outlines = [
            Outline(title=s.name, feed_url=s.feed_url, home_url=s.home_url)
            for s in Source.objects.order_by("name")
        ]
        data = render_opml(outlines, title="wiredesk sources")
        # The document declares UTF-8: write its bytes where the stream has a byte layer (a
        # terminal, a pipe), else the text (call_command(stdout=StringIO())).
        buffer = getattr(self.stdout, "buffer", None)
        if buffer is None:
            self.stdout.write(data.decode("utf-8"), ending="")
        else:
            self.stdout.flush()
            buffer.write(data)
            buffer.flush()

    def do_list(self, **_) -> None:
        now = timezone.now()
        table = Table(title="sources")
        for col in ("id", "name", "status", "last success", "errors", "last error", "articles", "items/day", "next check"):
            table.add_column(col)
        for h in sources_health(now=now, error_limit=settings.POLL["error_limit"]):
            s = h.source
            table.add_row(
                str(s.id), s.name, h.status, _ago(s.last_success_at, now), str(s.consecutive_errors),
                (s.last_error or s.paused_reason)[:60], str(h.articles), f"{h.items_per_day:g}",
                "due" if s.next_check_at is None or s.next_check_at <= now else f"in {int((s.next_check_at - now).total_seconds())}s",
            )
        Console(file=self.stdout, width=160).print(table)

    def _source(self, ref: str) -> Source:
        source = source_find(ref=ref)
        if source is None:
            raise CommandError(f"no source {ref!r} (give an id, a name or a feed URL)")
        return source

    def do_pause(self, *, source: str, **_) -> None:
        s = self._source(source)
        source_set_enabled(source_id=s.id, enabled=False, reason="paused from the command line")
        self.stdout.write(f"paused source {s.id}: {s.name}")

    def do_resume(self, *, source: str, **_) -> None:
        s = self._source(source)
        source_set_enabled(source_id=s.id, enabled=True)
        self.stdout.write(f"resumed source {s.id}: {s.name}")

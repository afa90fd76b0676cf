"""wiredesk digest preview | send | status: the daily email from the command line.

Each subcommand is a parser and a ``do_<name>`` method.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from wiredesk.brands.selectors import brand_for_host
from wiredesk.digest.content import window
from wiredesk.digest.render import preview_parts


class Command(BaseCommand):
    help = "The daily email: preview an edition, send today's now, or show recent editions."

    def add_arguments(self, parser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        preview = sub.add_parser("preview", help="print the edition a brand would send now; sends nothing")
        preview.add_argument("--brand", required=True, metavar="HOST", help="one of the brand's host names")
        preview.add_argument("--text", action="store_true", help="the plain-text part instead of the HTML")
        preview.add_argument(
            "--sections", default="", metavar="LIST",
            help="comma-separated sections of a reader, e.g. world,business (default: all the brand's)",
        )

        send = sub.add_parser("send", help="open today's edition for a brand (whatever the hour) and queue it")
        send.add_argument("--brand", required=True, metavar="HOST", help="one of the brand's host names")
        send.add_argument("--wait", action="store_true", help="send in this process instead of queueing it")
        status = sub.add_parser("status", help="recent editions with their delivery counts")
        status.add_argument("--brand", default="", metavar="HOST", help="only this brand")
        status.add_argument("--limit", type=int, default=10)

    def handle(self, *args, action: str, **opts) -> None:
        getattr(self, "do_" + action.replace("-", "_"))(**opts)

    @staticmethod
    def _brand(host: str):
        found = brand_for_host(host=host.strip().lower())
        if found is None:
            raise CommandError(f"No brand serves the host {host!r}: give one of a brand's host names.")
        return found

    def do_send(self, *, brand: str, wait: bool, **_) -> None:
        from wiredesk.digest.models import Edition
        from wiredesk.digest.services import editions, sending

        found = self._brand(brand)
        edition, created = editions.edition_send_now(brand=found, enqueue=not wait)
        self.stdout.write(editions.edition_send_now_outcome(brand=found, edition=edition, created=created))
        if wait and edition is not None and edition.status != Edition.Status.DONE:
            report = sending.edition_send(edition_id=edition.pk)
            self.stdout.write(
                f"Edition {edition.pk} ({edition.date}): sent {report.sent}, failed {report.failed}, "
                f"unknown {report.unknown}, skipped {report.skipped}, to retry {report.retry}"
                + (f"; {report.note}" if report.note else "")
            )

    def do_status(self, *, brand: str, limit: int, **_) -> None:
        from wiredesk.digest.models import Edition
        from wiredesk.digest.selectors import edition_counts

        editions = Edition.objects.select_related("brand").order_by("-date", "-id")
        if brand:
            editions = editions.filter(brand=self._brand(brand))
        rows = list(editions[:limit])
        counts = edition_counts(editions=rows)
        if not rows:
            self.stdout.write("No editions yet.")
        for e in rows:
            c = counts.get(e.pk, {})
            self.stdout.write(
                f"{e.date} {e.brand.name}: {'skipped (not running at its hour)' if e.skipped else e.status}; sent {c.get('sent', 0)}, failed {c.get('failed', 0)}, "
                f"unknown {c.get('unknown', 0)}, pending {c.get('pending', 0)}, bounced {c.get('bounced', 0)}, "
                f"unsubscribed since {c.get('unsubscribed_since', 0)}"
            )

    def do_preview(self, *, brand: str, text: bool, sections: str, **_) -> None:
        found = self._brand(brand)
        wanted = None
        if sections:
            wanted = [s.strip() for s in sections.split(",") if s.strip()]
            unknown = [s for s in wanted if s not in found.section_list]
            if unknown:
                raise CommandError(
                    f"{found.name} has no section {', '.join(unknown)}; its sections are "
                    f"{', '.join(found.section_list)}."
                )
        now = timezone.now()
        parts = preview_parts(found, now, wanted)
        if parts is None:
            since = timezone.localtime(window(found, now)[0], found.tz)
            scope = f" in {', '.join(wanted)}" if wanted else ""
            # On stderr: stdout carries only the edition, so it can be piped to a file.
            self.stderr.write(
                f"No new stories for {found.name}{scope} since {since:%Y-%m-%d %H:%M %Z}: "
                "no edition would be sent."
            )
            return
        body = parts.text if text else parts.html
        self.stdout.write(body, ending="" if body.endswith("\n") else "\n")

"""wiredesk backup FILE: the database and the uploaded media in one file, taken while the platform runs."""

from django.core.management.base import BaseCommand, CommandError

from wiredesk.core.backup import BackupError, backup_create


class Command(BaseCommand):
    help = "Write a backup of the database and the uploaded media to FILE (safe while the platform runs)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", help="the backup file to write (replaced when it exists)")

    def handle(self, *args, file: str, **opts) -> None:
        try:
            report = backup_create(path=file)
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        articles = report.rows.get("stories.Article", 0)
        self.stdout.write(f"backup written to {report.path} ({report.bytes:,} bytes, {report.engine}): "
                          f"{articles:,} articles, {report.media_files} media files")

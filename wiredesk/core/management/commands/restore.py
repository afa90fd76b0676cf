"""wiredesk restore FILE: replace the database and the uploaded media with a backup's."""

from django.core.management.base import BaseCommand, CommandError

from wiredesk.core.backup import BackupError, backup_restore


class Command(BaseCommand):
    help = "Replace the database and the uploaded media with those of a backup (stop the platform first)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", help="a file written by `wiredesk backup`")

    def handle(self, *args, file: str, **opts) -> None:
        try:
            report = backup_restore(path=file)
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        articles = report.rows.get("stories.Article", 0)
        self.stdout.write(f"restored {report.path}: {articles:,} articles, {report.media_files} media files")
        if report.pending_migrations:
            self.stdout.write(f"the backup is of an older version: run `wiredesk migrate` before starting "
                              f"({len(report.pending_migrations)} migrations to apply)")

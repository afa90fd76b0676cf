"""The ``wiredesk`` console script: Django's management commands under the project's name."""

import os
import sys


def main(argv: list[str] | None = None) -> None:
    """Run a management command (``wiredesk migrate``, ``wiredesk fetch --all``, ...).

    ``wiredesk cluster FILE`` runs without Django: it reads a file and writes standard output.
    """
    args = list(sys.argv if argv is None else argv)
    if len(args) > 1 and args[1] == "cluster":
        from wiredesk.stories.cluster_file import main as cluster_main

        sys.exit(cluster_main(args[2:]))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wiredesk.project.settings")
    from django.core.management import execute_from_command_line

    argv = list(sys.argv if argv is None else argv)
    argv[0] = "wiredesk"
    from django.db import DatabaseError

    try:
        execute_from_command_line(argv)
    except DatabaseError as exc:
        from wiredesk.core.errors import database_unavailable

        if not database_unavailable(exc):
            raise
        # A locked, read-only or full database, or a server that does not answer: one line.
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        print(f"wiredesk {argv[1] if len(argv) > 1 else ''}: the database cannot be used just now: {first}".replace("  ", " "),
              file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()

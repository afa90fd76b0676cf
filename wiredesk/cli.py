"""The ``wiredesk`` console script: Django's management commands under the project's name."""

import os
import sys


def main(argv: list[str] | None = None) -> None:
    """Run a management command (``wiredesk migrate``, ``wiredesk fetch --all``, ...)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wiredesk.project.settings")
    from django.core.management import execute_from_command_line

    argv = list(sys.argv if argv is None else argv)
    argv[0] = "wiredesk"
    execute_from_command_line(argv)


if __name__ == "__main__":
    main()

"""wiredesk ensure_admin: make sure an admin account exists and say how to log in."""

import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Create the 'admin' superuser with a generated password if no superuser exists yet."

    def handle(self, *args, **opts) -> None:
        User = get_user_model()
        secret_file = settings.DATA_DIR / "admin-password"
        if not User.objects.filter(is_superuser=True).exists():
            password = secrets.token_urlsafe(12)
            User.objects.create_superuser("admin", "", password)
            secret_file.write_text(password + "\n")
            secret_file.chmod(0o600)
        url = f"http://localhost:{settings.WIREDESK_PORT}/admin/"
        if secret_file.exists():
            self.stdout.write(
                f"admin: {url}  user 'admin', password in {secret_file.name} of the data folder "
                f"({secret_file.read_text().strip()})"
            )
        else:
            self.stdout.write(f"admin: {url}  (log in with your superuser; `wiredesk createsuperuser` makes one)")

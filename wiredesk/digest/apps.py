from django.apps import AppConfig


class DigestConfig(AppConfig):
    name = "wiredesk.digest"
    label = "digest"
    verbose_name = "Daily email"

    def ready(self) -> None:
        # Bounce, complaint and inbound-unsubscribe events arrive through anymail's signals.
        from wiredesk.digest import webhooks  # noqa: F401

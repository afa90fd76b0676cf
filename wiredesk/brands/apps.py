from django.apps import AppConfig


class BrandsConfig(AppConfig):
    name = "wiredesk.brands"
    label = "brands"

    def ready(self) -> None:
        from wiredesk.brands import signals

        signals.connect()

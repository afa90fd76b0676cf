from django.apps import AppConfig


class BrandsConfig(AppConfig):
    name = "wiredesk.brands"
    label = "brands"

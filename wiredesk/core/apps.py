from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "wiredesk.core"
    label = "core"

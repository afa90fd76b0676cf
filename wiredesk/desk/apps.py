from django.apps import AppConfig


class DeskConfig(AppConfig):
    name = "wiredesk.desk"
    label = "desk"
    verbose_name = "Editorial desk"

from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "wiredesk.demo"
    label = "demo"

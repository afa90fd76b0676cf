from django.apps import AppConfig


class StoriesConfig(AppConfig):
    name = "wiredesk.stories"
    label = "stories"

"""A branded site served from the shared wire pool."""

from django.db import models


class Brand(models.Model):
    name = models.CharField(max_length=200)
    tagline = models.CharField(max_length=300, blank=True)
    hosts = models.JSONField(default=list, help_text='Host names, e.g. ["harbour.localhost"]')
    time_zone = models.CharField(max_length=64, default="UTC")
    language = models.CharField(max_length=12, default="en")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

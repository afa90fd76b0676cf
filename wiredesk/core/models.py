"""The runtime's own rows: tasks kept while the broker could not take them."""

from __future__ import annotations

from django.db import models


class OutboxTask(models.Model):
    """A task whose queuing failed (broker down), sent again by ``core.outbox.outbox_flush``."""

    name = models.CharField(max_length=200)
    args = models.JSONField(default=list)
    kwargs = models.JSONField(default=dict)
    expires_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()
    attempts = models.PositiveIntegerField(default=1)
    last_error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = "task waiting for the broker"
        verbose_name_plural = "tasks waiting for the broker"

    def __str__(self) -> str:
        return f"{self.name}{tuple(self.args)}"

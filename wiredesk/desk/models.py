"""The audit log: who did what to stored copy, when and why."""

from django.db import models


class AuditEntry(models.Model):
    """One editor's action on stored copy: kills and their undoing (corrections to come)."""

    class Action(models.TextChoices):
        KILL = "kill", "killed"
        UNKILL = "unkill", "kill undone"

    at = models.DateTimeField(db_index=True)
    who = models.CharField(max_length=150)
    action = models.CharField(max_length=12, choices=Action.choices)
    article = models.ForeignKey("stories.Article", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    story_id = models.IntegerField(null=True, blank=True)
    takedown = models.ForeignKey("stories.Takedown", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    title = models.TextField(help_text="The headline acted on, as it was")
    reason = models.TextField(blank=True)
    detail = models.JSONField(default=dict, blank=True, help_text="The articles the action reached")

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = "audit log entry"
        verbose_name_plural = "audit log"

    def __str__(self) -> str:
        return f"{self.get_action_display()}: {self.title[:60]}"

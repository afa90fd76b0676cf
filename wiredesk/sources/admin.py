from django.conf import settings
from django.contrib import admin
from django.db.models import Count

from wiredesk.sources.models import Source
from wiredesk.sources.selectors import source_status
from wiredesk.sources.services import source_set_enabled


@admin.register(Source)
class SourceAdmin(admin.ModelAdmin):
    list_display = (
        "name", "credit", "health", "last_success_at", "consecutive_errors", "short_error",
        "article_count", "next_check_at", "enabled",
    )
    list_filter = ("enabled", "licence", "format")
    search_fields = ("name", "credit", "feed_url", "home_url")
    readonly_fields = (
        "etag", "last_modified", "next_check_at", "lease_until", "consecutive_errors", "last_error",
        "last_error_at", "last_success_at", "last_checked_at", "last_status", "created_at",
    )
    fieldsets = (
        (None, {"fields": ("name", "credit", "home_url", "feed_url", "format", "enabled", "paused_reason")}),
        ("Licence", {"fields": ("licence", "closing_credit", "canonical_to_original", "fetch_full_text", "withdrawals")}),
        ("Sections and language", {"fields": ("section_map", "default_section", "language")}),
        ("Polling", {"fields": ("min_interval_seconds",) + readonly_fields}),
    )
    actions = ("pause", "resume")  # and "Refresh now", added by the desk (desk/source_admin.py)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(n_articles=Count("articles"))

    @admin.display(description="health")
    def health(self, obj: Source) -> str:
        return source_status(source=obj, error_limit=settings.POLL["error_limit"])

    @admin.display(description="last error")
    def short_error(self, obj: Source) -> str:
        return (obj.last_error or obj.paused_reason)[:80]

    @admin.display(description="articles", ordering="n_articles")
    def article_count(self, obj: Source) -> int:
        return obj.n_articles

    @admin.action(description="Pause")
    def pause(self, request, queryset):
        for source in queryset:
            source_set_enabled(source_id=source.id, enabled=False, reason=f"paused by {request.user.get_username()}")

    @admin.action(description="Resume (clears errors, polls at once)")
    def resume(self, request, queryset):
        for source in queryset:
            source_set_enabled(source_id=source.id, enabled=True)

from django.contrib import admin

from wiredesk.stories.models import Article


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    list_display = ("title", "source", "section", "published_at", "dateline_place", "lead_kind", "revision", "duplicate_of")
    list_filter = ("section", "lead_kind", "language", "source")
    search_fields = ("title", "guid", "canonical_url", "dateline_place")
    list_select_related = ("source", "duplicate_of")
    date_hierarchy = "published_at"
    # Everything that came from upstream is provenance: shown, never edited by hand here.
    readonly_fields = (
        "source", "guid", "guid_key", "canonical_url", "url_key", "raw_hash", "fingerprint", "published_at",
        "updated_at", "first_seen_at", "changed_at", "revision", "lead_kind", "lead_raw", "dateline_place",
        "dateline_date", "agency", "photo_credit", "credit_tag", "related", "images", "body_html",
        "lead_text", "notes", "duplicate_of", "excerpt_only", "language",
    )
    fields = ("title", "slug", "section", "author") + readonly_fields

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from wiredesk.brands.models import Brand, BrandSource


class BrandSourceInline(admin.TabularInline):
    model = BrandSource
    extra = 1
    autocomplete_fields = ("source",)


@admin.register(Brand)
class BrandAdmin(admin.ModelAdmin):
    list_display = ("name", "primary_host", "time_zone", "language", "home_place")
    search_fields = ("name", "tagline")
    inlines = (BrandSourceInline,)
    fieldsets = (
        (None, {"fields": ("name", "tagline", "hosts", "time_zone", "language")}),
        ("Front pages", {"fields": ("sections", "home_place", "home_place_aliases", "logo", "accent_color")}),
        ("Promos and daily email", {"fields": ("newsletter_promo", "releases_promo", "digest_hour", "digest_from",
                                               "next_edition")}),
    )
    readonly_fields = ("next_edition",)

    @admin.display(description="Next daily email")
    def next_edition(self, brand):
        if brand.pk is None:
            return ""
        return format_html('<a href="{}">What the next edition would send</a>',
                           reverse("admin:digest_edition_next", args=[brand.pk]))

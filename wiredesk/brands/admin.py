from django.contrib import admin

from wiredesk.brands.models import Brand


@admin.register(Brand)
class BrandAdmin(admin.ModelAdmin):
    list_display = ("name", "time_zone", "language")

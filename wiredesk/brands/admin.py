"""Brands in the admin: host names, sections and place spellings edited as what they are
(a line each, check boxes), never as raw JSON, and validated before they are saved."""

import re

from django import forms
from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from wiredesk.brands.models import Brand, BrandSource
from wiredesk.core.sections import SECTION_NAMES, SECTIONS

# A host name: dot-separated labels of letters, digits and inner hyphens (IDNA A-labels for
# others), 253 characters at most.
_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")


def _host(line: str) -> str:
    host = line.strip().lower().rstrip(".")
    if "://" in host or "/" in host or ":" in host or "@" in host:
        raise forms.ValidationError(f"{line.strip()[:80]}: a host name only, without scheme, port or path "
                                    "(harbour.example, not https://harbour.example/).")
    try:
        host = host.encode("idna").decode("ascii")
    except UnicodeError:
        raise forms.ValidationError(f"{line.strip()[:80]} is not a host name.") from None
    if len(host) > 253 or not all(_LABEL.match(label) for label in host.split(".")):
        raise forms.ValidationError(f"{line.strip()[:80]} is not a host name.")
    return host


class BrandForm(forms.ModelForm):
    hosts = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3, "cols": 50}),
        help_text="The host names the brand answers on, one per line (the first is its main one).",
    )
    sections = forms.MultipleChoiceField(
        choices=[(s, SECTION_NAMES.get(s, s.title())) for s in SECTIONS], widget=forms.CheckboxSelectMultiple,
        required=False, help_text="The sections the brand shows (in the brand's order, new ones last); none ticked shows them all.",
    )
    home_place_aliases = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2, "cols": 50}), required=False,
        help_text="Other spellings of the home place in datelines, one per line (PT ELLIS).",
    )

    class Meta:
        model = Brand
        fields = "__all__"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["hosts"] = "\n".join(self.instance.hosts or ())
            self.initial["home_place_aliases"] = "\n".join(self.instance.home_place_aliases or ())
            self.initial["sections"] = list(self.instance.sections or ())

    def clean_hosts(self):
        hosts = list(dict.fromkeys(_host(line) for line in self.cleaned_data["hosts"].splitlines() if line.strip()))
        if not hosts:
            raise forms.ValidationError("Give at least one host name.")
        taken = {h: b.name for b in Brand.objects.exclude(pk=self.instance.pk) for h in b.hosts or ()}
        clashes = [f"{h} ({taken[h]})" for h in hosts if h in taken]
        if clashes:
            raise forms.ValidationError(f"Already another brand's: {', '.join(clashes)}.")
        return hosts

    def clean_sections(self):
        chosen = set(self.cleaned_data["sections"])
        # The brand's own order for the sections that stay; new ones after them.
        kept = [s for s in (self.instance.sections or ()) if s in chosen]
        return kept + [s for s in SECTIONS if s in chosen and s not in kept]

    def clean_home_place_aliases(self):
        names = [" ".join(line.split()) for line in self.cleaned_data["home_place_aliases"].splitlines()]
        return list(dict.fromkeys(n for n in names if n))


class BrandSourceInline(admin.TabularInline):
    model = BrandSource
    extra = 1
    autocomplete_fields = ("source",)


@admin.register(Brand)
class BrandAdmin(admin.ModelAdmin):
    form = BrandForm
    list_display = ("name", "primary_host", "time_zone", "language", "home_place")
    search_fields = ("name", "tagline")
    inlines = (BrandSourceInline,)
    fieldsets = (
        (None, {"fields": ("name", "tagline", "hosts", "time_zone", "language")}),
        ("Front pages", {"fields": ("sections", "home_place", "home_place_aliases", "logo", "accent_color")}),
        ("Promos and daily email", {"fields": ("newsletter_promo", "releases_promo", "digest_hour", "digest_from",
                                               "next_edition")}),
        ("Desk", {"fields": ("editors",), "description": "Members of the Editors group listed here may kill, "
                                                         "correct and pin this brand's copies, and no other brand's."}),
    )
    readonly_fields = ("next_edition",)
    filter_horizontal = ("editors",)

    @admin.display(description="Next daily email")
    def next_edition(self, brand):
        if brand.pk is None:
            return ""
        return format_html('<a href="{}">What the next edition would send</a>',
                           reverse("admin:digest_edition_next", args=[brand.pk]))

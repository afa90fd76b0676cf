"""Sources in the admin, as the desk works with them: added from a URL with a preview, health
charts and alerts, OPML in and out.

The desk extends the sources app's own admin (sources/admin.py, which knows nothing above
``sources``) because adding a source needs ingest (autodiscovery, a test fetch, normalize)
and alerts need brands; ``desk`` is the app that may import both.
"""

from __future__ import annotations

import datetime as dt
import json

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.core import signing
from django.db.models import Exists, OuterRef
from django.db.models.functions import Lower
from django.utils import timezone

from wiredesk.core.admin import ReadOnlyPermissions
from wiredesk.core.http import client_from_settings
from wiredesk.core.sections import SECTIONS
from wiredesk.desk.services.alerts import HEALTH_DAYS
from wiredesk.core.outbox import enqueue
from wiredesk.ingest.services import source_lease
from wiredesk.ingest.subscribe import SourceError, source_preview
from wiredesk.ingest.tasks import refresh_source
from wiredesk.sources.admin import SourceAdmin
from wiredesk.sources.charts import bar_chart, line_chart
from wiredesk.sources.models import Source, SourceAlert, SourceFurniture
from wiredesk.sources.opml import MAX_OPML_BYTES, OpmlError, Outline, parse_opml, render_opml
from wiredesk.sources.selectors import alerts_open, source_days, source_status
from wiredesk.sources.services import sources_import
from wiredesk.text.urls import is_http_url

HEALTH_PAGE_SIZE = 50


class DiscoverForm(forms.Form):
    url = forms.CharField(
        label="Site or feed URL", max_length=2000,
        widget=forms.URLInput(attrs={"size": 70, "placeholder": "https://news.example/ or its feed"}),
        help_text="A feed (RSS, Atom or JSON Feed), or a site's page that links its feed: wiredesk finds it, "
                  "fetches it once and shows what it would publish before anything is saved.")

    def clean_url(self) -> str:
        url = self.cleaned_data["url"].strip()
        if "://" not in url:
            url = f"https://{url}"
        if not is_http_url(url):
            raise forms.ValidationError("Give an http or https address.")
        return url


_PREVIEWED = "wiredesk.desk.previewed-feed"


class NewSourceForm(forms.ModelForm):
    """The source's settings, saved only for the feed a preview found: its address comes back
    signed (``previewed``), so a POST cannot save a feed nobody looked at."""

    feed_url = forms.URLField(max_length=2000, assume_scheme="https", widget=forms.HiddenInput)
    previewed = forms.CharField(widget=forms.HiddenInput, required=False)
    home_url = forms.URLField(label="Home URL", max_length=2000, required=False, assume_scheme="https")

    class Meta:
        model = Source
        fields = ("name", "credit", "feed_url", "home_url", "format", "licence", "closing_credit",
                  "canonical_to_original", "fetch_full_text", "withdrawals", "section_map", "default_section",
                  "language")
        widgets = {"default_section": forms.Select(choices=[(s, s) for s in SECTIONS])}

    def clean(self):
        data = super().clean()
        feed_url = data.get("feed_url", "")
        try:
            signed = signing.loads(data.get("previewed") or "", salt=_PREVIEWED, max_age=6 * 3600)
        except signing.BadSignature:
            signed = None
        if feed_url and (signed != feed_url or not is_http_url(feed_url)):
            raise forms.ValidationError("Preview the feed before saving it (or preview it again: the preview expired).")
        return data


class OpmlForm(forms.Form):
    file = forms.FileField(label="OPML file", help_text="An OPML export from a feed reader or another wiredesk.")


class DeskSourceAdmin(SourceAdmin):
    change_list_template = "desk/admin/source_changelist.html"
    actions = ("refresh_now", *SourceAdmin.actions, "export_opml", "forget_furniture")

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name in ("feed_url", "home_url"):
            kwargs["assume_scheme"] = "https"
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def get_urls(self):
        own = [
            path("health/", self.admin_site.admin_view(self.health_view), name="sources_source_health"),
            path("opml/import/", self.admin_site.admin_view(self.opml_import_view), name="sources_source_opml_import"),
            path("opml/export/", self.admin_site.admin_view(self.opml_export_view), name="sources_source_opml_export"),
        ]
        return own + super().get_urls()

    @admin.action(description="Refresh now (in the background)")
    def refresh_now(self, request, queryset):
        # The lease the scheduler takes: a source whose refresh is queued or running is not
        # refreshed a second time alongside it.
        now = timezone.now()
        queued = busy = 0
        for source in queryset:
            lease = source_lease(source_id=source.id, now=now)
            if lease:
                enqueue(refresh_source, args=(source.id, lease), expires=settings.REFRESH["queue_seconds"])
                queued += 1
            else:
                busy += 1
        messages.info(request, f"{queued} source(s) queued for refresh")
        if busy:
            messages.warning(request, f"{busy} source(s) skipped: paused, or a refresh is already queued or running")

    @admin.action(description="Forget the page furniture learned from their pages")
    def forget_furniture(self, request, queryset):
        # After a redesign, or a line learned wrongly: the next articles teach it afresh, and
        # nothing is taken out of them until enough pages have been seen again.
        forgotten, _ = SourceFurniture.objects.filter(source__in=queryset).delete()
        messages.info(request, f"page furniture forgotten for {forgotten} source(s); their next articles teach it again")

    # --- adding: a URL, a preview, then the saved source ----------------------------------
    def add_view(self, request, form_url="", extra_context=None):
        """Step one asks for a URL; step two previews the feed found there under the settings
        the editor chose; saving happens only from the preview (nothing is stored before)."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        context = {**self.admin_site.each_context(request), "opts": Source._meta, "title": "Add a source"}
        if request.method != "POST":
            return TemplateResponse(request, "desk/admin/source_add.html", {**context, "form": DiscoverForm()})
        discover = DiscoverForm(request.POST)
        if not discover.is_valid():
            return TemplateResponse(request, "desk/admin/source_add.html", {**context, "form": discover})
        url = discover.cleaned_data["url"]
        details = NewSourceForm(request.POST) if "feed_url" in request.POST else None
        if details is not None and "save" in request.POST and details.is_valid():
            source = details.save()
            self.log_addition(request, source, [{"added": {}}])
            messages.success(request, f"{source.name} was added; its first refresh is queued with the next tick.")
            return HttpResponseRedirect(reverse("admin:sources_source_change", args=[source.pk]))
        mapping, default = {}, "world"
        if details is not None:
            mapping = _section_map(request.POST.get("section_map", ""))
            default = request.POST.get("default_section", "world")
            default = default if default in SECTIONS else "world"
        try:
            preview = source_preview(url=url, client=client_from_settings(), section_map=mapping,
                                     default_section=default)
        except SourceError as exc:
            discover.add_error("url", str(exc))
            return TemplateResponse(request, "desk/admin/source_add.html", {**context, "form": discover})
        existing = Source.objects.filter(feed_url=preview.found.feed_url).first()
        if details is None:
            details = NewSourceForm(initial={
                "name": preview.found.title[:200] or preview.found.feed_url, "credit": preview.found.title[:120],
                "feed_url": preview.found.feed_url, "home_url": preview.found.home_url[:2000],
                "format": preview.found.format if preview.found.format in Source.Format.values else "auto",
                "language": preview.language[:12], "section_map": {}, "default_section": "world",
            })
        # The address found by this preview, signed: saving takes this feed and no other.
        details.initial["previewed"] = signing.dumps(preview.found.feed_url, salt=_PREVIEWED)
        if details.is_bound:
            details.data = details.data.copy()
            details.data["previewed"] = details.initial["previewed"]
            details.data["feed_url"] = preview.found.feed_url
        return TemplateResponse(request, "desk/admin/source_add.html", {
            **context, "form": discover, "preview": preview, "details": details, "existing": existing,
            "title": f"Add a source: preview of {preview.found.feed_url}",
        })

    # --- health ----------------------------------------------------------------------------
    def health_view(self, request):
        """Every source's last 30 days: items per day, fetch errors, response time, next check."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        now = timezone.now()
        alerts = alerts_open()
        # Trouble first, ordered and paged by the database: 50 rows read, whatever the total.
        sources = (Source.objects.filter(kind=Source.Kind.WIRE)
                   .annotate(alerted=Exists(SourceAlert.objects.filter(source=OuterRef("pk"), cleared_at__isnull=True)))
                   .order_by("-alerted", "-enabled", "-consecutive_errors", Lower("name"), "id"))
        page = Paginator(sources, HEALTH_PAGE_SIZE).get_page(request.GET.get("page"))
        days = source_days(source_ids=[s.id for s in page], today=now.date(), days=HEALTH_DAYS)
        rows = []
        for source in page:
            history = days[source.id]
            dates = [d.day for d in history]
            timed = [d.mean_seconds for d in history if d.mean_seconds is not None]
            rows.append({
                "source": source,
                "key": str(source.pk),
                "latest_ms": round(timed[-1] * 1000) if timed else None,
                "status": source_status(source=source, error_limit=settings.POLL["error_limit"]),
                "alerts": [a for a in alerts if a.source_id == source.id],
                "items": bar_chart(dates, [d.new_items for d in history], what="New articles per day", unit="articles"),
                "errors": bar_chart(dates, [d.errors for d in history], what="Failed refreshes per day",
                                    unit="failed refreshes", marked=[d.errors > 0 for d in history]),
                "timing": line_chart(dates, [None if d.mean_seconds is None else d.mean_seconds * 1000 for d in history],
                                     what="Mean response time per day", unit="ms"),
                "checks": sum(d.checks for d in history),
                "failed": sum(d.errors for d in history),
                "new": sum(d.new_items for d in history),
            })
        return TemplateResponse(request, "desk/admin/source_health.html", {
            **self.admin_site.each_context(request), "opts": Source._meta, "title": "Source health",
            "rows": rows, "alerts": alerts, "page": page, "days": HEALTH_DAYS, "now": now,
        })

    # --- OPML ------------------------------------------------------------------------------
    def opml_import_view(self, request):
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = OpmlForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                if upload.size > MAX_OPML_BYTES:
                    raise OpmlError("the OPML file is larger than 5 MiB")
                outlines = parse_opml(upload.read())
            except OpmlError as exc:
                form.add_error("file", f"This file could not be read: {exc}.")
            else:
                created, skipped = sources_import(outlines=outlines)
                for source in created:
                    self.log_addition(request, source, [{"added": {}}])
                messages.success(request, f"{len(created)} source(s) added from {len(outlines)} outline(s).")
                if skipped:
                    messages.warning(request, f"{len(skipped)} skipped: already a source, or not an http(s) URL.")
                return HttpResponseRedirect(reverse("admin:sources_source_changelist"))
        return TemplateResponse(request, "desk/admin/opml_import.html", {
            **self.admin_site.each_context(request), "opts": Source._meta, "title": "Import sources from OPML",
            "form": form,
        })

    def opml_export_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        return _opml_response(Source.objects.filter(kind=Source.Kind.WIRE).order_by("name"))

    @admin.action(description="Export as OPML")
    def export_opml(self, request, queryset):
        return _opml_response(queryset.filter(kind=Source.Kind.WIRE).order_by("name"))


def _section_map(raw: str) -> dict[str, str]:
    """The section map typed on the preview, when it is a valid one ({} otherwise: the form says why)."""
    try:
        value = json.loads(raw or "{}")
    except ValueError:
        return {}
    if not isinstance(value, dict):
        return {}
    return {str(k): v for k, v in value.items() if isinstance(v, str) and v in SECTIONS}


def _opml_response(sources) -> HttpResponse:
    outlines = [Outline(title=s.name, feed_url=s.feed_url, home_url=s.home_url, category=s.default_section)
                for s in sources]
    body = render_opml(outlines, title="wiredesk sources")
    response = HttpResponse(body, content_type="text/x-opml; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="wiredesk-sources-{dt.date.today():%Y-%m-%d}.opml"'
    return response


@admin.register(SourceAlert)
class SourceAlertAdmin(ReadOnlyPermissions, admin.ModelAdmin):  # raised and cleared by the checker
    list_display = ("source", "kind", "raised_at", "cleared_at", "detail", "notified")
    list_filter = ("kind", ("cleared_at", admin.EmptyFieldListFilter))
    search_fields = ("source__name", "detail")
    date_hierarchy = "raised_at"


admin.site.unregister(Source)
admin.site.register(Source, DeskSourceAdmin)

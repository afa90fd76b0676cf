"""Staff pages of the daily email: subscribers, editions with their counts, deliveries, events.

Editions, deliveries and mail events are records of what happened and are read-only here;
subscribers are added only through double opt-in, and leave through "Erase", which goes
through the privacy service so the edition counts survive.
"""

from __future__ import annotations

import functools
import json
import logging

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.template import engines
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.http import urlencode

from wiredesk.core.admin import ReadOnlyPermissions
from wiredesk.brands.models import Brand
from wiredesk.core.sections import SECTION_NAMES, SECTIONS
from wiredesk.digest.models import Delivery, Edition, MailEvent, Subscriber
from wiredesk.digest.render import edition_preview, next_opening
from wiredesk.digest.selectors import edition_counts
from wiredesk.digest.staff_views import preview_policy
from wiredesk.digest.services.privacy import subscriber_erase, subscriber_export

log = logging.getLogger("wiredesk.digest")

# Two small staff pages, kept beside the actions that use them: the admin's frame, a form.
_PAGE = """{% extends "admin/base_site.html" %}{% load admin_urls %}
{% block breadcrumbs %}<div class="breadcrumbs"><a href="{% url 'admin:index' %}">Home</a>
&rsaquo; <a href="{% url 'admin:app_list' app_label=opts.app_label %}">{{ opts.app_config.verbose_name }}</a>
&rsaquo; <a href="{% url opts|admin_urlname:'changelist' %}">{{ opts.verbose_name_plural|capfirst }}</a>
&rsaquo; {{ title }}</div>{% endblock %}
{% block content %}<form method="post">{% csrf_token %}BODY</form>{% endblock %}
"""
_BODIES = {
    "erase": """
<p>These subscribers' rows will be deleted: address, sections and consent record. Their
deliveries and mail events stay, linked to no one, so the editions' sent, failed and bounced
counts do not change. This cannot be undone.</p>
<ul>{% for s in subscribers %}<li>{{ s.email }} ({{ s.brand }}, {{ s.get_status_display }})</li>{% endfor %}</ul>
{% for s in subscribers %}<input type="hidden" name="{{ checkbox }}" value="{{ s.pk }}">{% endfor %}
<input type="hidden" name="action" value="erase">
<input type="hidden" name="confirm_erase" value="yes">
<input type="submit" value="Yes, erase {{ subscribers|length }} subscriber{{ subscribers|length|pluralize }}">
<a href="" class="button cancel-link">No, go back</a>""",
    "send-now": """
<p>Open today's edition for the chosen brands and send it now, whatever their hour. A brand
that already has today's edition does not get a second one.</p>
{{ form.as_div }}
<input type="submit" value="Send today's daily email now">""",
}


@functools.cache
def _page(name: str):
    return engines["django"].from_string(_PAGE.replace("BODY", _BODIES[name]))


# --- Subscribers ----------------------------------------------------------------------------

class SubscriberForm(forms.ModelForm):
    sections = forms.MultipleChoiceField(
        choices=[(s, SECTION_NAMES[s]) for s in SECTIONS], widget=forms.CheckboxSelectMultiple, required=False,
    )

    class Meta:
        model = Subscriber
        fields = ("sections",)


@admin.register(Subscriber)
class SubscriberAdmin(admin.ModelAdmin):
    form = SubscriberForm
    list_display = ("email", "brand", "status", "section_names", "created_at", "confirmed_at")
    list_filter = ("brand", "status")
    list_select_related = ("brand",)
    search_fields = ("email",)
    ordering = ("-id",)
    consent_fields = (
        "created_at", "signup_ip", "confirmation_sent_at", "confirmed_at", "confirmed_ip", "confirmed_user_agent",
    )
    leaving_fields = ("unsubscribed_at", "unsubscribed_via", "suppressed_at", "suppressed_reason")
    readonly_fields = ("email", "brand", "status") + consent_fields + leaving_fields
    fieldsets = (
        (None, {"fields": ("email", "brand", "status", "sections")}),
        ("Consent record", {"fields": consent_fields}),
        ("Unsubscribed or suppressed", {"fields": leaving_fields}),
    )
    actions = ("export_data", "erase")

    @admin.display(description="sections")
    def section_names(self, obj: Subscriber) -> str:
        return ", ".join(SECTION_NAMES[s] for s in obj.section_list)

    def has_add_permission(self, request) -> bool:
        return False  # only double opt-in adds a subscriber

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # "Erase" is the one way out
        return actions

    def delete_model(self, request, obj: Subscriber) -> None:
        subscriber_erase(subscriber=obj)

    def delete_queryset(self, request, queryset) -> None:
        for subscriber in queryset:
            subscriber_erase(subscriber=subscriber)

    @admin.action(description="Export data (JSON)")
    def export_data(self, request, queryset):
        subscribers = queryset.select_related("brand").order_by("id")
        body = {"subscribers": [subscriber_export(subscriber=s) for s in subscribers]}
        log.info("subscriber data exported subscribers=%s user_id=%s", len(body["subscribers"]), request.user.pk)
        response = HttpResponse(json.dumps(body, indent=2, ensure_ascii=False), content_type="application/json")
        stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
        response["Content-Disposition"] = f'attachment; filename="subscriber-data-{stamp}.json"'
        return response

    @admin.action(description="Erase (delete the person's data)", permissions=["delete"])
    def erase(self, request, queryset):
        subscribers = list(queryset.select_related("brand").order_by("id"))
        if request.POST.get("confirm_erase") != "yes":
            context = {
                **self.admin_site.each_context(request), "title": "Erase subscribers?", "opts": self.model._meta,
                "subscribers": subscribers, "checkbox": helpers.ACTION_CHECKBOX_NAME,
            }
            return TemplateResponse(request, _page("erase"), context)
        for subscriber in subscribers:
            subscriber_erase(subscriber=subscriber)
        log.info("subscribers erased count=%s user_id=%s", len(subscribers), request.user.pk)
        self.message_user(request, f"{len(subscribers)} subscriber(s) erased.", messages.SUCCESS)
        return None


# --- Editions -------------------------------------------------------------------------------

class EditionChangeList(ChangeList):
    def get_results(self, request) -> None:
        super().get_results(request)
        # The counts of the whole page in two queries, not a few per row.
        counts = edition_counts(editions=self.result_list)
        for edition in self.result_list:
            edition.counts = counts[edition.pk]


def deliveries_url(edition_id: int, state: str | None = None) -> str:
    query = {"edition__id__exact": edition_id}
    if state:
        query["state__exact"] = state
    return reverse("admin:digest_delivery_changelist") + "?" + urlencode(query)


class UnknownDeliveryInline(ReadOnlyPermissions, admin.TabularInline):
    """The deliveries whose outcome is unknown: never resent on their own, so listed for staff."""

    model = Delivery
    verbose_name = "delivery with unknown outcome"
    verbose_name_plural = "deliveries with unknown outcome (not resent: check with the recipient or the provider)"
    fields = ("subscriber", "updated_at", "attempts", "error")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def get_queryset(self, request):
        return super().get_queryset(request).filter(state=Delivery.State.UNKNOWN).select_related("subscriber")


class BrandChoiceForm(forms.Form):
    brands = forms.ModelMultipleChoiceField(queryset=Brand.objects.all(), widget=forms.CheckboxSelectMultiple)


def _count_column(name: str, description: str):
    @admin.display(description=description)
    def column(self, obj: Edition):
        return obj.counts[name]

    return column


@admin.register(Edition)
class EditionAdmin(ReadOnlyPermissions, admin.ModelAdmin):
    # Read-only: editions are opened by the scheduler or "send now", and an edition's rows
    # are what stop it being sent twice.
    list_display = (
        "date", "brand", "status", "skipped", "sent", "failed", "unknown_link", "pending", "bounced", "unsubscribed_since",
    )
    list_filter = ("brand", "status", "skipped")
    list_select_related = ("brand",)
    date_hierarchy = "date"
    fields = (
        "brand", "date", "status", "skipped", "subject", "delivery_summary", "created_at", "populated_at", "finished_at",
        "since", "cutoff",
    )
    readonly_fields = fields
    inlines = (UnknownDeliveryInline,)
    actions = ("send_today",)

    sent = _count_column("sent", "sent")
    failed = _count_column("failed", "failed")
    bounced = _count_column("bounced", "bounced")
    unsubscribed_since = _count_column("unsubscribed_since", "unsubscribed since")

    @admin.display(description="pending")
    def pending(self, obj: Edition) -> int:
        return obj.counts["pending"] + obj.counts["sending"]

    def get_changelist(self, request, **kwargs):
        return EditionChangeList

    @admin.display(description="unknown")
    def unknown_link(self, obj: Edition):
        n = obj.counts["unknown"]
        return format_html('<a href="{}">{}</a>', deliveries_url(obj.pk, Delivery.State.UNKNOWN), n) if n else 0

    @admin.display(description="deliveries")
    def delivery_summary(self, obj: Edition):
        counts = edition_counts(editions=[obj])[obj.pk]
        items = [(deliveries_url(obj.pk, state), state, counts[state]) for state in Delivery.State.values]
        return format_html(
            '<a href="{}">{} in all</a>: {}; {} bounced, {} complained, {} unsubscribed since',
            deliveries_url(obj.pk), counts["total"],
            format_html_join(", ", '<a href="{}">{}</a> {}', items),
            counts["bounced"], counts["complained"], counts["unsubscribed_since"],
        )

    def has_send_permission(self, request) -> bool:
        return request.user.has_perm("digest.add_edition")

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("send-now/", view(self.send_now_view), name="digest_edition_send_now"),
            path("next/", view(self.next_view), name="digest_edition_next_list"),
            path("next/<int:brand_id>/", view(self.next_view), name="digest_edition_next"),
            path("next/<int:brand_id>/email/", view(self.next_html_view), name="digest_edition_next_html"),
            *super().get_urls(),
        ]

    def next_view(self, request, brand_id: int | None = None):
        """What each brand's next edition would send if it opened now (sends nothing)."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        context = {**self.admin_site.each_context(request), "opts": self.model._meta}
        if brand_id is None:
            context.update(title="The next daily email of each brand", brands=Brand.objects.order_by("name"))
            return TemplateResponse(request, "digest/admin/next_edition.html", context)
        brand = Brand.objects.filter(pk=brand_id).first()
        if brand is None:
            raise Http404("No such brand.")
        preview = edition_preview(brand, timezone.now())
        context.update(title=f"{brand.name}: the next daily email", brand=brand, opens=next_opening(brand, timezone.now()),
                       parts=preview.parts, sections=preview.sections, picks=preview.picks)
        return TemplateResponse(request, "digest/admin/next_edition.html", context)

    def next_html_view(self, request, brand_id: int):
        """The next edition's HTML part as readers get it, under the email's own policy."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        brand = Brand.objects.filter(pk=brand_id).first()
        if brand is None:
            raise Http404("No such brand.")
        parts = edition_preview(brand, timezone.now()).parts
        response = HttpResponse(parts.html if parts else "<p>Nothing to send yet.</p>", content_type="text/html; charset=utf-8")
        response["Content-Security-Policy"] = preview_policy()
        response["Cache-Control"] = "no-store"
        return response

    def changelist_view(self, request, extra_context=None):
        extra_context = extra_context or {}
        links = [format_html('<a href="{}">What the next edition of each brand sends</a>',
                             reverse("admin:digest_edition_next_list"))]
        if self.has_send_permission(request):
            links.append(format_html('<a href="{}">Send today\'s daily email now&hellip;</a>',
                                     reverse("admin:digest_edition_send_now")))
        extra_context["subtitle"] = format_html_join(" &middot; ", "{}", ((link,) for link in links))
        if request.method == "GET":
            self._warn_about_complaints(request)
        return super().changelist_view(request, extra_context)

    def _warn_about_complaints(self, request) -> None:
        from wiredesk.digest.services import reputation

        names = dict(Brand.objects.values_list("id", "name"))
        for standing in reputation.brands_at_risk():
            name = names.get(standing.brand_id, f"brand {standing.brand_id}")
            if standing.level == reputation.HALTED:
                self.message_user(request, f"{name}: sending is halted, {standing.describe()}. Pending messages "
                                  "wait and go out once the rate is back under "
                                  f"{reputation.HALT:.1%}.", messages.ERROR)
            else:
                self.message_user(request, f"{name}: {standing.describe()}, over the {reputation.ALARM:.1%} "
                                  "that mailbox providers expect.", messages.WARNING)

    @admin.action(description="Send today's daily email now (for these editions' brands)", permissions=["send"])
    def send_today(self, request, queryset):
        brands = Brand.objects.filter(pk__in=queryset.values("brand_id")).order_by("name")
        self._send_today(request, brands)

    def send_now_view(self, request):
        if not self.has_send_permission(request):
            raise PermissionDenied
        form = BrandChoiceForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            self._send_today(request, form.cleaned_data["brands"])
            return HttpResponseRedirect(reverse("admin:digest_edition_changelist"))
        context = {
            **self.admin_site.each_context(request), "title": "Send today's daily email now",
            "opts": self.model._meta, "form": form,
        }
        return TemplateResponse(request, _page("send-now"), context)

    def _send_today(self, request, brands) -> None:
        from wiredesk.digest.services.editions import edition_send_now, edition_send_now_outcome

        for brand in brands:
            edition, created = edition_send_now(brand=brand)
            log.info("send now brand_id=%s edition_id=%s user_id=%s", brand.pk, getattr(edition, "pk", None),
                     request.user.pk)
            level = messages.WARNING if edition is None else messages.SUCCESS if created else messages.INFO
            self.message_user(request, edition_send_now_outcome(brand=brand, edition=edition, created=created), level)


# --- Deliveries and mail events (records, read-only) ----------------------------------------

@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyPermissions, admin.ModelAdmin):
    list_display = ("id", "edition", "subscriber", "state", "attempts", "sent_at", "updated_at", "error")
    list_filter = ("state", "edition__brand", "edition__date")
    list_select_related = ("edition__brand", "subscriber")
    search_fields = ("=subscriber__email",)
    ordering = ("-id",)


@admin.register(MailEvent)
class MailEventAdmin(ReadOnlyPermissions, admin.ModelAdmin):
    list_display = ("occurred_at", "kind", "esp", "subscriber", "delivery", "received_at")
    list_filter = ("kind", "esp")
    list_select_related = ("subscriber", "delivery")
    ordering = ("-occurred_at",)

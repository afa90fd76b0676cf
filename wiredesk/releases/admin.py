"""The moderation queue of news releases in the Django admin (staff only).

Verified submissions are listed by default (unverified ones are behind the status filter),
with their automated check results. A moderator edits the text, looks at the preview (the
real article template under the site's Content-Security-Policy), approves (published now,
or scheduled for the embargo) or declines with a reason that is emailed to the submitter.
Every action goes through wiredesk.releases.services.moderation, which writes the audit log
shown read-only on each submission.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from wiredesk.core.admin import ReadOnlyPermissions
from wiredesk.core.sections import SECTION_NAMES
from wiredesk.releases import selectors
from wiredesk.releases.models import AuditEntry, Submission, SubmissionImage
from wiredesk.releases.services import moderation
from wiredesk.releases.services.publish import release_image_url, release_section
from wiredesk.text.dates import format_local

Status = Submission.Status


# --- the list ---------------------------------------------------------------------------------

class QueueFilter(admin.SimpleListFilter):
    """Status, with unverified submissions (email not confirmed) left out unless asked for."""

    title = "status"
    parameter_name = "state"

    def lookups(self, request, model_admin):
        shown = [(s.value, s.label) for s in Status if s != Status.UNVERIFIED]
        return [
            ("queue", "to moderate (received or in review)"), *shown,
            (Status.UNVERIFIED.value, "unverified (email not confirmed)"), ("all", "everything, unverified included"),
        ]

    def choices(self, changelist):
        yield {
            "selected": self.value() is None,
            "query_string": changelist.get_query_string(remove=[self.parameter_name]),
            "display": "verified (all but unverified)",
        }
        for lookup, title in self.lookup_choices:
            yield {
                "selected": self.value() == str(lookup),
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }

    def queryset(self, request, queryset):
        value = self.value()
        if value == "all":
            return queryset
        if value == "queue":
            return queryset.filter(status__in=selectors.QUEUE_STATUSES)
        if value in Status.values:
            return queryset.filter(status=value)
        return queryset.exclude(status=Status.UNVERIFIED)


def _checks_summary(submission: Submission):
    results = selectors.check_results(submission=submission)
    if not results:
        return "-"
    failed = [r for r in results if not r["ok"]]
    if not failed:
        return format_html('<span title="every check passed">&#10004; {} ok</span>', len(results))
    return format_html(
        '<span title="{}">&#10004; {} ok, <strong>&#10008; {} to look at</strong></span>',
        "; ".join(r["message"] for r in failed), len(results) - len(failed), len(failed),
    )


# --- the change view ---------------------------------------------------------------------------

class SubmissionImageInline(admin.TabularInline):
    model = SubmissionImage
    fields = ("thumbnail", "caption", "credit", "position", "width", "height")
    readonly_fields = ("thumbnail", "width", "height")
    extra = 0
    max_num = 0  # images come with the submission; moderators edit captions or remove one

    class Media:
        css = {"all": ["releases/admin.css"]}  # the admin's CSP allows no inline styles

    @admin.display(description="image")
    def thumbnail(self, obj: SubmissionImage):
        if not obj.file:
            return "-"
        url = release_image_url(image=obj)
        return format_html('<a href="{}"><img src="{}" alt="" class="release-thumb"></a>', url, url)


class AuditInline(ReadOnlyPermissions, admin.TabularInline):
    model = AuditEntry
    verbose_name = "audit entry"
    verbose_name_plural = "audit log (who did what, when)"
    fields = ("at", "actor", "action", "detail")
    readonly_fields = fields
    extra = 0
    can_delete = False
    ordering = ("-at", "-id")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")


class DeclineForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 6, "cols": 80}), max_length=moderation.REASON_MAX, strip=True,
        help_text="Sent to the submitter by email and shown on their status page.",
    )


@admin.register(Submission)
class SubmissionAdmin(admin.ModelAdmin):
    list_display = ("headline", "brand", "category", "status", "check_summary", "embargo", "created_at")
    list_filter = (QueueFilter, "brand", "category")
    list_select_related = ("brand",)
    search_fields = ("headline",)
    date_hierarchy = "created_at"
    actions = ("approve_selected", "decline_selected")
    inlines = (SubmissionImageInline, AuditInline)
    change_form_template = "releases/admin/submission_change_form.html"
    editable = ("category", "headline", "dateline_place", "embargo_until", "body", "about", "website")
    contact_fields = (
        "contact_name", "contact_organisation", "contact_email", "contact_phone", "show_contact", "contact_purged_at",
    )
    record_fields = ("created_at", "verified_at", "decided_at", "published_at", "article_link", "decline_reason")
    fieldsets = (
        (None, {"fields": ("brand", "status", "section_shown") + editable}),
        ("Automated checks", {"fields": ("check_list",)}),
        ("Contact (private: shown on the page only if the submitter asked)", {"fields": contact_fields}),
        ("Decision", {"fields": record_fields}),
    )
    readonly_fields = ("brand", "status", "section_shown", "check_list") + contact_fields + record_fields

    # -- columns and read-only fields

    @admin.display(description="checks")
    def check_summary(self, obj: Submission):
        return _checks_summary(obj)

    @admin.display(description="embargo (brand time)", ordering="embargo_until")
    def embargo(self, obj: Submission) -> str:
        return format_local(obj.embargo_until, obj.brand.tz) if obj.embargo_until else "-"

    @admin.display(description="automated checks")
    def check_list(self, obj: Submission):
        results = selectors.check_results(submission=obj)
        if not results:
            return "No check results were stored."
        rows = [("ok" if r["ok"] else "TO LOOK AT", r["code"], r["message"]) for r in results]
        return format_html("<ul>{}</ul>", format_html_join("", "<li><strong>{}</strong> ({}): {}</li>", rows))

    @admin.display(description="section when published")
    def section_shown(self, obj: Submission) -> str:
        return SECTION_NAMES.get(release_section(submission=obj), "")

    @admin.display(description="article")
    def article_link(self, obj: Submission):
        if obj.article_id is None:
            return "-"
        from wiredesk.brands.selectors import brand_origin

        url = brand_origin(brand=obj.brand) + reverse("article", args=[obj.article_id, obj.article.slug])
        return format_html('<a href="{}">{}</a>', url, url)

    # -- permissions: submissions come from the public form and leave through the purge

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    # -- editing in the brand's time zone, with the audit entry

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        brand_tz = None
        if object_id and str(object_id).isascii() and str(object_id).isdigit():
            found = Submission.objects.select_related("brand").filter(pk=object_id).first()
            brand_tz = found.brand.tz if found else None
        if brand_tz is None:
            return super().changeform_view(request, object_id, form_url, extra_context)
        # The embargo is read and shown in the brand's zone, as the submitter entered it;
        # the page is rendered inside the override, where the form's values are formatted.
        with timezone.override(brand_tz):
            response = super().changeform_view(request, object_id, form_url, extra_context)
            if hasattr(response, "render"):
                response.render()
        return response

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "website":
            kwargs["assume_scheme"] = "https"
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        if obj is not None and "embargo_until" in form.base_fields:
            form.base_fields["embargo_until"].help_text = (
                f"In the brand's time zone ({obj.brand.time_zone}). Empty: published when approved."
            )
        return form

    def save_model(self, request, obj, form, change) -> None:
        if not change:
            return super().save_model(request, obj, form, change)
        # Only the fields the moderator edited: a full save would also write back the status
        # and article read when the form opened, undoing a publication made meanwhile.
        fields = [name for name in form.changed_data if name in {f.name for f in obj._meta.concrete_fields}]
        if fields:
            obj.save(update_fields=fields)

    def save_related(self, request, form, formsets, change) -> None:
        super().save_related(request, form, formsets, change)
        changed = list(form.changed_data)
        removed: list[str] = []
        for formset in formsets:
            if formset.model is not SubmissionImage:
                continue
            for image, fields in formset.changed_objects:
                changed.extend(f"image {image.pk} {name}" for name in fields)
            for image in formset.deleted_objects:
                changed.append("image removed")
                removed.append(image.file.name)
        if removed:
            storage = SubmissionImage._meta.get_field("file").storage
            transaction.on_commit(lambda: [storage.delete(name) for name in removed if name])
        if change:
            moderation.submission_edited(submission=form.instance, actor=request.user, fields=changed)
            if form.instance.status == Status.PUBLISHED and changed:
                self.message_user(request, "This release is already published: approve it again to publish "
                                  "the changes.", messages.WARNING)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        # Only the moderation buttons that apply to the release as it stands: none while its
        # address is unconfirmed or once declined; on a published one, "approve" republishes
        # edits, and declining is over.
        found = str(object_id).isascii() and str(object_id).isdigit()  # Django answers any other id itself
        submission = Submission.objects.filter(pk=int(object_id)).only("status").first() if found else None
        status = submission.status if submission and self.has_change_permission(request, submission) else None
        labels = {Status.RECEIVED: "Approve", Status.IN_REVIEW: "Approve", Status.SCHEDULED: "Approve",
                  Status.PUBLISHED: "Publish the edits again"}
        extra_context = {**(extra_context or {}), "approve_label": labels.get(status, ""),
                         "can_decline": status in moderation.DECLINABLE}
        return super().change_view(request, object_id, form_url, extra_context)

    # -- preview, approve and decline

    def get_urls(self):
        def route(name, fn):
            return path(f"<int:object_id>/{name}/", self.admin_site.admin_view(fn), name=f"releases_submission_{name}")

        # The preview ("preview/") is added by the desk (desk/release_admin.py): it renders the
        # reader's own article page, which lives in web, above this app.
        urls = [route("approve", self.approve_view), route("decline", self.decline_view)]
        return urls + super().get_urls()

    def _submission(self, request, object_id: int, *, change: bool) -> Submission:
        submission = Submission.objects.select_related("brand", "article").filter(pk=object_id).first()
        if submission is None:
            raise Http404("No such submission.")
        allowed = self.has_change_permission(request, submission) if change else self.has_view_permission(
            request, submission
        )
        if not allowed:
            raise PermissionDenied
        return submission

    def _page(self, request, template: str, submission: Submission | None, title: str, **context):
        context = {
            **self.admin_site.each_context(request), "opts": self.model._meta, "title": title,
            "original": submission, **context,
        }
        return TemplateResponse(request, f"releases/admin/{template}", context)

    def approve_view(self, request, object_id: int):
        submission = self._submission(request, object_id, change=True)
        change_url = reverse("admin:releases_submission_change", args=[submission.pk])
        if request.method == "POST":
            try:
                outcome = moderation.submission_approve(submission=submission, actor=request.user)
            except moderation.ModerationError as exc:
                self.message_user(request, str(exc), messages.ERROR)
            else:
                self.message_user(request, _outcome_message(submission, outcome), messages.SUCCESS)
            return HttpResponseRedirect(change_url)
        now = timezone.now()
        context = {
            "submissions": [submission],
            "scheduled": bool(submission.embargo_until and submission.embargo_until > now),
            "when": format_local(submission.embargo_until, submission.brand.tz) if submission.embargo_until else "",
            "approvable": submission.status in moderation.APPROVABLE,
        }
        return self._page(request, "approve.html", submission, "Approve this news release?", **context)

    def decline_view(self, request, object_id: int):
        submission = self._submission(request, object_id, change=True)
        form = DeclineForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                moderation.submission_decline(submission=submission, actor=request.user,
                                              reason=form.cleaned_data["reason"])
            except moderation.ModerationError as exc:
                self.message_user(request, str(exc), messages.ERROR)
            else:
                self.message_user(request, f"Declined: \u201c{submission.headline}\u201d. The reason is being "
                                  "emailed to the submitter.", messages.SUCCESS)
            return HttpResponseRedirect(reverse("admin:releases_submission_change", args=[submission.pk]))
        return self._page(request, "decline.html", submission, "Decline this news release?", form=form,
                          submissions=[submission], declinable=submission.status in moderation.DECLINABLE)

    # -- the same from the list, for several at once

    @admin.action(description="Approve (publish now, or at the embargo time)", permissions=["change"])
    def approve_selected(self, request, queryset):
        for submission in queryset.select_related("brand"):
            try:
                outcome = moderation.submission_approve(submission=submission, actor=request.user)
            except moderation.ModerationError as exc:
                self.message_user(request, f"\u201c{submission.headline}\u201d: {exc}", messages.WARNING)
            else:
                self.message_user(request, _outcome_message(submission, outcome), messages.SUCCESS)

    @admin.action(description="Decline with a reason\u2026", permissions=["change"])
    def decline_selected(self, request, queryset):
        submissions = list(queryset.select_related("brand").order_by("id"))
        form = DeclineForm(request.POST if "confirm_decline" in request.POST else None)
        if form.is_bound and form.is_valid():
            for submission in submissions:
                try:
                    moderation.submission_decline(submission=submission, actor=request.user,
                                                  reason=form.cleaned_data["reason"])
                except moderation.ModerationError as exc:
                    self.message_user(request, f"\u201c{submission.headline}\u201d: {exc}", messages.WARNING)
                else:
                    self.message_user(request, f"Declined: \u201c{submission.headline}\u201d.", messages.SUCCESS)
            return None
        return self._page(
            request, "decline.html", None, "Decline these news releases?", form=form, submissions=submissions,
            declinable=True, checkbox=helpers.ACTION_CHECKBOX_NAME, action="decline_selected",
        )


def _outcome_message(submission: Submission, outcome: str) -> str:
    if outcome == "scheduled":
        when = format_local(submission.embargo_until, submission.brand.tz)
        return f"Scheduled: \u201c{submission.headline}\u201d will be published at {when}."
    if outcome == "republished":
        return f"Published again with the edits: \u201c{submission.headline}\u201d."
    return f"Published: \u201c{submission.headline}\u201d."


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyPermissions, admin.ModelAdmin):
    """The whole audit log, read-only."""

    list_display = ("at", "actor", "action", "submission", "detail")
    list_filter = ("action",)
    list_select_related = ("actor", "submission")
    search_fields = ("submission__headline", "actor__username")
    date_hierarchy = "at"

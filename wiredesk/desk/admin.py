"""The desk in the admin: kill and undo forms, the takedowns and the audit log (read-only).

The article and story pages (stories/admin.py) link here by URL name; the kill form asks
for the reason, says what else goes (every copy of the text, or the story's members) and
then calls the one action (desk.services.kills) the command line calls too.
"""

from __future__ import annotations

import datetime as dt
import re

from django import forms
from django.contrib import admin, messages
from django.db import transaction
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from wiredesk.desk.services.kills import REASON_MAX, DeskError, article_kill, article_unkill, story_kill
from wiredesk.core.admin import ReadOnlyPermissions
from wiredesk.core.generation import content_changed
from wiredesk.search.services import search_index_update
from wiredesk.sources.models import Source
from wiredesk.text.sanitize import SPONSORED_LINK_REL
from wiredesk.text.urls import is_http_url
from wiredesk.stories.models import Article, AuditEntry, Pin, Revision, Story, Takedown
from wiredesk.stories.places import home_place_slugs, sections_of
from wiredesk.stories.permissions import limited_brands, may_edit, may_edit_all
from wiredesk.stories.selectors import brand_carries, copy_group
from wiredesk.stories.services.revisions import CorrectionError, article_correct, diff_table, held_accept, history


class KillForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}), max_length=REASON_MAX,
        help_text="Kept in the audit log; readers only see that the report was withdrawn.",
    )


class UnkillForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2, "cols": 60}), max_length=REASON_MAX,
                             required=False)


def _who(request) -> str:
    return request.user.get_username()[:150] or f"user {request.user.pk}"


@admin.register(Takedown)
class TakedownAdmin(ReadOnlyPermissions, admin.ModelAdmin):  # made by killing; undone, never deleted
    list_display = ("title", "at", "by", "reason", "status", "withdrawn")
    list_filter = ("undone_at",)
    search_fields = ("title", "reason", "by")
    date_hierarchy = "at"
    fields = ("title", "article_link", "story_id", "reason", "by", "at", "undone_at", "undone_by", "withdrawn")
    readonly_fields = fields

    @admin.display(description="Status")
    def status(self, takedown):
        return "live" if takedown.undone_at is None else f"undone by {takedown.undone_by}"

    @admin.display(description="Articles withdrawn now")
    def withdrawn(self, takedown):
        return takedown.articles.count()

    @admin.display(description="Article")
    def article_link(self, takedown):
        if takedown.article_id is None:
            return "(deleted)"
        return format_html('<a href="{}">{}</a>', reverse("admin:stories_article_change", args=[takedown.article_id]),
                           takedown.article_id)

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("kill/<int:article_id>/", view(self.kill_view), name="desk_kill"),
            path("kill-story/<int:story_id>/", view(self.kill_story_view), name="desk_kill_story"),
            path("unkill/<int:article_id>/", view(self.unkill_view), name="desk_unkill"),
            *super().get_urls(),
        ]

    def _may_kill(self, request, article: Article | None = None) -> None:
        if not request.user.has_perm("stories.change_article"):
            raise PermissionDenied
        if article is not None and not may_edit(request.user, article):
            raise PermissionDenied

    def _page(self, request, *, title, form, article, story=None, reach=(), action=""):
        context = {
            **self.admin_site.each_context(request), "opts": Article._meta, "title": title, "form": form,
            "article": article, "story": story, "reach": reach, "action": action,
        }
        return TemplateResponse(request, "desk/admin/kill.html", context)

    def kill_view(self, request, article_id: int):
        """Confirm, with a reason, then withdraw an article and every copy of its text."""
        self._may_kill(request)
        article = Article.objects.select_related("source").filter(pk=article_id).first()
        if article is None:
            raise Http404("No such article.")
        self._may_kill(request, article)
        reach = Article.objects.filter(id__in=copy_group(article_id=article.id)).select_related("source")
        if not may_edit_all(request.user, reach):  # every copy the kill would take must be one's own
            raise PermissionDenied
        form = KillForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                takedown = article_kill(article=article, reason=form.cleaned_data["reason"], by=_who(request))
            except DeskError as exc:
                self.message_user(request, str(exc), messages.ERROR)
            else:
                count = takedown.articles.count()
                self.message_user(request, f"Killed \u201c{article.title}\u201d"
                                  + (f" and {count - 1} copies of its text" if count > 1 else "")
                                  + ". Its page now answers 410 on every brand.", messages.SUCCESS)
                return HttpResponseRedirect(reverse("admin:stories_article_change", args=[article.id]))
        reach = Article.objects.filter(id__in=copy_group(article_id=article.id)).exclude(id=article.id)
        return self._page(request, title="Kill this article?", form=form, article=article,
                          reach=list(reach.select_related("source")), action="kill")

    def kill_story_view(self, request, story_id: int):
        """Confirm, with a reason, then withdraw every member of a story."""
        self._may_kill(request)
        story = Story.objects.select_related("lead").filter(pk=story_id).first()
        if story is None:
            raise Http404("No such story.")
        for member in Article.objects.filter(story=story).select_related("source"):  # every member one's own
            self._may_kill(request, member)
        form = KillForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                takedown = story_kill(story=story, reason=form.cleaned_data["reason"], by=_who(request))
            except DeskError as exc:
                self.message_user(request, str(exc), messages.ERROR)
            else:
                self.message_user(request, f"Killed story {story.id}: {takedown.articles.count()} articles withdrawn.",
                                  messages.SUCCESS)
                return HttpResponseRedirect(reverse("admin:stories_story_change", args=[story.id]))
        members = Article.objects.filter(story=story).select_related("source").order_by("published_at", "id")
        return self._page(request, title="Kill this whole story?", form=form, article=story.lead, story=story,
                          reach=list(members), action="kill-story")

    def unkill_view(self, request, article_id: int):
        """Confirm, then bring back everything the kill of this article withdrew."""
        self._may_kill(request)
        article = Article.objects.select_related("source", "takedown").filter(pk=article_id).first()
        if article is None:
            raise Http404("No such article.")
        self._may_kill(request, article)
        if article.takedown_id and not may_edit_all(
                request.user, Article.objects.filter(takedown_id=article.takedown_id).select_related("source")):
            raise PermissionDenied
        form = UnkillForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                ids = article_unkill(article=article, by=_who(request), reason=form.cleaned_data["reason"])
            except DeskError as exc:
                self.message_user(request, str(exc), messages.ERROR)
            else:
                self.message_user(request, f"Brought back {len(ids)} article{'s' if len(ids) != 1 else ''}.",
                                  messages.SUCCESS)
                return HttpResponseRedirect(reverse("admin:stories_article_change", args=[article.id]))
        reach = list(Article.objects.filter(takedown_id=article.takedown_id).exclude(id=article.id)) if article.takedown_id else []
        return self._page(request, title="Undo this kill?", form=form, article=article, reach=reach, action="unkill")


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyPermissions, admin.ModelAdmin):  # the log is kept whole
    list_display = ("at", "who", "action", "title", "reason")
    list_filter = ("action",)
    search_fields = ("title", "who", "reason")
    date_hierarchy = "at"
    fields = ("at", "who", "action", "title", "article", "story_id", "takedown", "reason", "detail")
    readonly_fields = fields


class PinForm(forms.ModelForm):
    user = None  # set by the admin: an editor limited to brands may pin only on them

    class Meta:
        model = Pin
        fields = ("article", "brand", "section", "in_email", "until")

    def clean(self):
        data = super().clean()
        article, brand, section, until = (data.get(k) for k in ("article", "brand", "section", "until"))
        limited = limited_brands(self.user) if self.user is not None else None
        if brand is not None and limited is not None and brand not in limited:
            self.add_error("brand", "You edit other brands only.")
        if until is not None and until <= timezone.now():
            self.add_error("until", "The pin would already have ended: choose a time ahead.")
        if article is not None and brand is not None:
            if not brand_carries(brand=brand, article=article):
                self.add_error("article", f"{brand.name} does not carry this article (its source, its section, or "
                                          "it was withdrawn).")
            if section and section not in brand.section_list:
                self.add_error("section", f"{brand.name} has no {section} section.")
            elif section and section not in sections_of(article, brand, home_place_slugs(brand)):
                self.add_error("section", f"The article is not in {brand.name}'s {section} section: pin it in one "
                                          "of its own.")
        return data


@admin.register(Pin)
class PinAdmin(admin.ModelAdmin):
    form = PinForm
    list_display = ("article", "brand", "section", "in_email", "until", "live", "by")
    list_filter = ("brand", "section", "in_email")
    list_select_related = ("article", "brand")
    autocomplete_fields = ("article", "brand")
    search_fields = ("article__title",)

    @admin.display(description="Live", boolean=True)
    def live(self, pin):
        return pin.until > timezone.now()

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        brands = limited_brands(request.user)
        return qs if brands is None else qs.filter(brand__in=brands)

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        form.user = request.user
        return form

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        initial.setdefault("until", timezone.now() + dt.timedelta(hours=24))
        return initial

    def save_model(self, request, obj, form, change):
        if not obj.by:
            obj.by = _who(request)
        super().save_model(request, obj, form, change)
        transaction.on_commit(content_changed)  # the lists it leads change now

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        transaction.on_commit(content_changed)

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        transaction.on_commit(content_changed)


_SITE_PATH = re.compile(r"^/[^/\\\s\x00-\x1f\x7f]")  # "/media/x.jpg"; never "//host", "/\\host" or "/\t/host"


def _http(url: str) -> bool:
    """An absolute http(s) address, or a path on this site (uploaded images are)."""
    if any(c == "\\" or c.isspace() or ord(c) < 32 or ord(c) == 127 for c in url):
        return False
    return is_http_url(url) or bool(_SITE_PATH.match(url))


class CorrectForm(forms.Form):
    title = forms.CharField(max_length=1000, label="Headline")
    body_html = forms.CharField(widget=forms.Textarea(attrs={"rows": 16, "cols": 90}), label="Body (HTML)",
                                help_text="Reduced to the news-body allowlist when saved, as wire copy is.")
    images = forms.CharField(widget=forms.Textarea(attrs={"rows": 3, "cols": 90}), required=False,
                             help_text="One per line: URL | caption | credit. Remove a line to remove the image.")
    related = forms.CharField(widget=forms.Textarea(attrs={"rows": 2, "cols": 90}), required=False,
                              label="Related links", help_text="One per line: title | URL")
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 2, "cols": 90}), max_length=1000,
                           label="Correction note (public)", help_text="Shown to readers above the headline.")

    def __init__(self, *args, alts: dict | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.alts = alts or {}  # the images' text alternatives, kept for the URLs that stay

    def clean_images(self):
        images = []
        for line in self.cleaned_data["images"].splitlines():
            if not line.strip():
                continue
            # URL first, credit last; a caption may hold "|" itself.
            url, _, rest = (p.strip() for p in line.partition("|"))
            caption, credit = (rest.rsplit("|", 1) + [""])[:2] if "|" in rest else (rest, "")
            if not _http(url):
                raise forms.ValidationError(f"Not a web address: {url[:80]}")
            images.append({"url": url, "caption": caption.strip(), "credit": credit.strip(), "alt": self.alts.get(url, "")})
        return images

    def clean_related(self):
        links = []
        for line in self.cleaned_data["related"].splitlines():
            if not line.strip():
                continue
            title, _, url = (p.strip() for p in line.rpartition("|"))  # a title may hold "|" itself
            if not _http(url):
                raise forms.ValidationError(f"Not a web address: {url[:80]} (one link per line: title | URL)")
            links.append({"title": title, "url": url})
        return links


@admin.register(Revision)
class RevisionAdmin(ReadOnlyPermissions, admin.ModelAdmin):  # the history is kept whole
    list_display = ("article", "number", "kind", "held", "at", "by")
    list_filter = ("kind", "held")
    list_select_related = ("article",)
    fields = ("article", "number", "kind", "held", "at", "by", "title", "body_html", "images", "related", "note")
    readonly_fields = fields

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("correct/<int:article_id>/", view(self.correct_view), name="desk_correct"),
            path("history/<int:article_id>/", view(self.versions_view), name="desk_history"),
            path("accept/<int:article_id>/", view(self.accept_view), name="desk_accept"),
            *super().get_urls(),
        ]

    def accept_view(self, request, article_id: int):
        """Show the source's held update instead of the editor's version (POST from the history)."""
        if request.method != "POST":
            return HttpResponseRedirect(reverse("admin:desk_history", args=[article_id]))
        if not request.user.has_perm("stories.change_article"):
            raise PermissionDenied
        article = Article.objects.filter(pk=article_id).first()
        if article is None:
            raise Http404("No such article.")
        if not may_edit(request.user, article):
            raise PermissionDenied
        try:
            with transaction.atomic():
                held_accept(article=article, by=_who(request), at=timezone.now())
                search_index_update(article_ids=[article.id])
        except CorrectionError as exc:
            self.message_user(request, str(exc), messages.ERROR)
        else:
            self.message_user(request, "The source's update is shown now; the correction note stays on record.",
                              messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:desk_history", args=[article_id]))

    def correct_view(self, request, article_id: int):
        """An editor's correction with its public note."""
        if not request.user.has_perm("stories.change_article"):
            raise PermissionDenied
        article = Article.objects.select_related("source").filter(pk=article_id).first()
        if article is None:
            raise Http404("No such article.")
        if not may_edit(request.user, article):
            raise PermissionDenied
        initial = {
            "title": article.title, "body_html": article.body_html,
            "images": "\n".join(" | ".join([i.get("url", ""), i.get("caption", ""), i.get("credit", "")])
                                for i in article.images or ()),
            "related": "\n".join(f"{r.get('title', '')} | {r.get('url', '')}" for r in article.related or ()),
        }
        form = CorrectForm(request.POST or None, initial=initial,
                           alts={i.get("url", ""): i.get("alt", "") for i in article.images or ()})
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                with transaction.atomic():
                    # A news release keeps rel="sponsored" on its links, as when it was published.
                    link_rel = SPONSORED_LINK_REL if article.source.kind == Source.Kind.RELEASES else None
                    article_correct(article=article, title=data["title"], body_html=data["body_html"], note=data["note"],
                                    images=data["images"], related=data["related"], by=_who(request), at=timezone.now(),
                                    link_rel=link_rel)
                    search_index_update(article_ids=[article.id])
            except CorrectionError as exc:
                form.add_error(None, str(exc))
            else:
                self.message_user(request, "Correction published with its note.", messages.SUCCESS)
                return HttpResponseRedirect(reverse("admin:stories_article_change", args=[article.id]))
        context = {**self.admin_site.each_context(request), "opts": Article._meta, "title": "Correct this article",
                   "form": form, "article": article}
        return TemplateResponse(request, "desk/admin/correct.html", context)

    def versions_view(self, request, article_id: int):
        """Every version of an article, and a readable diff between any two."""
        if not request.user.has_perm("stories.view_article"):
            raise PermissionDenied
        article = Article.objects.filter(pk=article_id).first()
        if article is None:
            raise Http404("No such article.")
        versions = history(article=article)
        by_key = {v["key"]: v for v in versions}
        right = by_key.get(request.GET.get("b", ""), versions[-1])
        left = by_key.get(request.GET.get("a", ""), versions[-2] if len(versions) > 1 else versions[-1])
        diff = mark_safe(diff_table(a=left, b=right)) if len(versions) > 1 else ""  # difflib escapes the text
        held = article.editor_version and any(v["held"] for v in versions)
        context = {**self.admin_site.each_context(request), "opts": Article._meta, "article": article,
                   "title": "History", "versions": versions, "left": left, "right": right, "diff": diff,
                   "held": held, "may_accept": held and may_edit(request.user, article)}
        return TemplateResponse(request, "desk/admin/history.html", context)


from wiredesk.desk import release_admin, source_admin  # noqa: E402,F401  (the desk's admin for releases and sources)

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from wiredesk.stories.models import Article, Story
from wiredesk.stories.permissions import may_edit, may_edit_all
from wiredesk.stories.services.stories import story_merge, story_split


class WithdrawnFilter(admin.SimpleListFilter):
    title = "status"
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return (("shown", "Shown"), ("withdrawn", "Withdrawn (killed)"),
                ("gone", "Gone at the source, still shown"), ("flagged", "Flagged for an editor"),
                ("corrected", "Corrected by an editor"))

    def queryset(self, request, queryset):
        if self.value() == "shown":
            return queryset.filter(withdrawn_at__isnull=True)
        if self.value() == "withdrawn":
            return queryset.filter(withdrawn_at__isnull=False)
        if self.value() == "flagged":
            return queryset.exclude(flag="")
        if self.value() == "corrected":
            return queryset.filter(editor_version=True)
        if self.value() == "gone":
            return queryset.filter(gone_upstream_at__isnull=False, withdrawn_at__isnull=True)
        return queryset


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    list_display = ("title", "source", "section", "published_at", "dateline_place", "lead_kind", "revision", "duplicate_of",
                    "story", "withdrawn")
    list_filter = (WithdrawnFilter, "section", "lead_kind", "language", "source")
    search_fields = ("title", "guid", "canonical_url", "dateline_place")
    list_select_related = ("source", "duplicate_of")
    date_hierarchy = "published_at"
    actions = ["split_out_of_story", "dismiss_flag"]
    # Everything that came from upstream is provenance: shown, never edited by hand here.
    readonly_fields = (
        "title", "source", "guid", "guid_key", "canonical_url", "url_key", "raw_hash", "fingerprint", "published_at",
        "updated_at", "first_seen_at", "changed_at", "revision", "lead_kind", "lead_raw", "dateline_place",
        "dateline_date", "agency", "photo_credit", "credit_tag", "related", "images", "body_html",
        "lead_text", "notes", "duplicate_of", "excerpt_only", "language", "story", "story_pinned", "gone_upstream_at",
        "rechecked_at",
    )
    # The headline and body change only through "Correct" (a public note, the old version kept).
    fields = ("desk", "slug", "section", "author") + readonly_fields
    readonly_fields = ("desk", *readonly_fields)

    def has_delete_permission(self, request, obj=None):
        # Deleting would let the feed bring it back and leave no record: kill it instead.
        return False

    def has_change_permission(self, request, obj=None):
        # An editor limited to brands changes only their brands' copies (stories.permissions).
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or may_edit(request.user, obj))

    @admin.display(description="Shown", boolean=True)
    def withdrawn(self, article):
        return article.withdrawn_at is None

    @admin.display(description="Desk")
    def desk(self, article):
        if article.pk is None:
            return ""
        if article.withdrawn_at is not None:
            return format_html('Withdrawn {} &nbsp; <a class="button" href="{}">Undo the kill</a>', article.withdrawn_at,
                               reverse("admin:desk_unkill", args=[article.pk]))
        kill = format_html('<a class="button" href="{}">Correct</a> <a class="button" href="{}">History</a> '
                           '<a class="button" href="{}">Kill this article</a> <a class="button" href="{}?article={}">'
                           'Pin it on a brand</a>', reverse("admin:desk_correct", args=[article.pk]),
                           reverse("admin:desk_history", args=[article.pk]), reverse("admin:desk_kill", args=[article.pk]),
                           reverse("admin:stories_pin_add"), article.pk)
        if article.flag:
            kill = format_html('<strong>{}</strong> ({}) {}', article.flag, article.flagged_at, kill)
        if article.gone_upstream_at is not None:
            return format_html("The source withdrew it ({}); it is still shown here. {}", article.gone_upstream_at, kill)
        return kill

    @admin.action(description="Dismiss the flag (looked at: nothing to do)", permissions=["change"])
    def dismiss_flag(self, request, queryset):
        if not may_edit_all(request.user, queryset.select_related("source")):
            self.message_user(request, "Some of these are other brands' copies: nothing was changed.", messages.ERROR)
            return
        done = queryset.exclude(flag="").update(flag="", flagged_at=None)
        self.message_user(request, f"{done} flag{'s' if done != 1 else ''} dismissed.", messages.SUCCESS)

    @admin.action(description="Split the selected articles out of their stories", permissions=["change"])
    def split_out_of_story(self, request, queryset):
        if not may_edit_all(request.user, queryset.select_related("source")):
            self.message_user(request, "Some of these are other brands' copies: nothing was changed.", messages.ERROR)
            return
        split = 0
        for article in queryset.exclude(story=None).order_by("id"):
            story_split(article=article)
            split += 1
        self.message_user(request, f"{split} article{'s' if split != 1 else ''} split out, each into a story of its own.",
                          messages.SUCCESS)


class MemberInline(admin.TabularInline):
    """A story's members as they are: an editor changes a story by splitting or merging."""

    model = Article
    fk_name = "story"
    verbose_name = "member"
    verbose_name_plural = "members"
    fields = ("title", "source", "published_at", "body_chars", "duplicate_of", "story_pinned", "split_out")
    readonly_fields = fields
    ordering = ("published_at", "id")
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description="Split")
    def split_out(self, article):
        url = reverse("admin:stories_story_split", args=[article.story_id, article.id])
        return format_html('<a class="button" href="{}">Split out</a>', url)


@admin.register(Story)
class StoryAdmin(admin.ModelAdmin):
    list_display = ("id", "lead_title", "size", "first_seen_at", "last_updated_at", "merged_into")
    list_select_related = ("lead",)
    list_filter = ("language",)
    search_fields = ("lead__title",)
    date_hierarchy = "last_updated_at"
    actions = ["merge_stories"]
    fields = ("desk", "lead", "size", "language", "first_seen_at", "last_updated_at", "merged_into", "apart")
    readonly_fields = fields

    @admin.display(description="Desk")
    def desk(self, story):
        if story.pk is None or not story.size:
            return ""
        return format_html('<a class="button" href="{}">Kill the whole story</a>',
                           reverse("admin:desk_kill_story", args=[story.pk]))
    inlines = [MemberInline]

    @admin.display(description="Lead article", ordering="lead__title")
    def lead_title(self, story):
        return story.lead.title if story.lead else "(no members)"

    def has_add_permission(self, request):
        return False  # stories come from clustering, splits and merges

    def has_delete_permission(self, request, obj=None):
        return False  # a split or a merge says what becomes of the members

    @admin.action(description="Merge the two selected stories", permissions=["change"])
    def merge_stories(self, request, queryset):
        stories = sorted(queryset, key=lambda s: (-s.size, s.id))
        if len(stories) != 2:
            self.message_user(request, "Select exactly two stories to merge.", messages.ERROR)
            return None
        into, other = stories  # the larger keeps its id (on a tie, the older)
        members = Article.objects.filter(story__in=[into, other]).select_related("source")
        if not may_edit_all(request.user, members):
            self.message_user(request, "These stories hold other brands' copies: only their editors or an admin "
                                       "can merge them.", messages.ERROR)
            return None
        try:
            story_merge(into=into, other=other, by_editor=True)
        except ValueError as exc:
            self.message_user(request, str(exc), messages.ERROR)
            return None
        self.message_user(request, f"Story {other.id} merged into story {into.id}; its members are pinned there.",
                          messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:stories_story_change", args=[into.id]))

    def get_urls(self):
        split = path("<int:object_id>/split/<int:article_id>/", self.admin_site.admin_view(self.split_view),
                     name="stories_story_split")
        return [split, *super().get_urls()]

    def split_view(self, request, object_id: int, article_id: int):
        """Confirm, then take one member out of the story into a story of its own."""
        story = Story.objects.filter(pk=object_id).first()
        article = Article.objects.select_related("source").filter(pk=article_id, story_id=object_id).first()
        if story is None or article is None:
            raise Http404("No such member of that story.")
        if not self.has_change_permission(request, story) or not may_edit(request.user, article):
            raise PermissionDenied
        if request.method == "POST":
            new = story_split(article=article)
            self.message_user(request, f"\u201c{article.title}\u201d is now story {new.id}, kept apart from story "
                              f"{story.id}.", messages.SUCCESS)
            still = Story.objects.filter(pk=story.id).exists()
            return HttpResponseRedirect(reverse("admin:stories_story_change", args=[story.id if still else new.id]))
        context = {
            **self.admin_site.each_context(request), "opts": self.model._meta, "original": story,
            "article": article, "title": "Split this article out of its story?",
        }
        return TemplateResponse(request, "stories/admin/split.html", context)

"""The news release's preview in the admin: the reader's own article page, as it will be
published, under the site's Content-Security-Policy.

The releases app moderates (releases/admin.py); the page a reader will see belongs to web,
which sits beside releases, not below it. The desk, above both, adds the preview route to the
releases admin (the same URL name, admin:releases_submission_preview).
"""

from __future__ import annotations

from django.contrib import admin
from django.shortcuts import render
from django.urls import path
from django.utils import timezone

from wiredesk.releases.admin import SubmissionAdmin
from wiredesk.releases.models import Submission
from wiredesk.releases.services import moderation
from wiredesk.releases.services.publish import release_preview
from wiredesk.web.context import brand_context
from wiredesk.web.middleware import content_security_policy
from wiredesk.web.views.article import page_context


class DeskSubmissionAdmin(SubmissionAdmin):
    def get_urls(self):
        preview = path("<int:object_id>/preview/", self.admin_site.admin_view(self.preview_view),
                       name="releases_submission_preview")
        return [preview, *super().get_urls()]

    def preview_view(self, request, object_id: int):
        """The release as it will be published: the real template under the site's CSP."""
        submission = self._submission(request, object_id, change=False)
        article = release_preview(submission=submission, now=timezone.now())
        context = page_context(article, related=[], rail=[], canonical=request.build_absolute_uri())
        context.update(brand_context(submission.brand))
        response = render(request, "web/article.html", context)
        # The site's policy (the admin's too): stated here, as this page is the public page.
        response["Content-Security-Policy"] = content_security_policy()
        response["Cache-Control"] = "private, no-store"
        response["X-Robots-Tag"] = "noindex, nofollow"
        moderation.submission_previewed(submission=submission, actor=request.user)
        return response


admin.site.unregister(Submission)
admin.site.register(Submission, DeskSubmissionAdmin)

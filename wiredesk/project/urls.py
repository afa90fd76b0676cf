from django.contrib import admin
from django.urls import include, path

from wiredesk.desk.runtime import runtime_health

admin.site.index_template = "core/admin_index.html"  # links the runtime's health page
handler500 = "wiredesk.core.errors.server_error"  # a database that cannot be used answers 503

urlpatterns = [
    path("admin/health/", runtime_health, name="runtime_health"),
    path("admin/", admin.site.urls),
    # The mail provider's bounce, complaint and inbound webhooks (signature checked by anymail).
    path("anymail/", include("wiredesk.digest.webhook_urls")),
    path("", include("wiredesk.digest.urls")),
    path("", include("wiredesk.releases.urls")),
    path("", include("wiredesk.web.urls")),
]

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    # The mail provider's bounce, complaint and inbound webhooks (signature checked by anymail).
    path("anymail/", include("wiredesk.digest.webhook_urls")),
    path("", include("wiredesk.digest.urls")),
    path("", include("wiredesk.releases.urls")),
    path("", include("wiredesk.web.urls")),
]

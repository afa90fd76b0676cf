from django.urls import path

from wiredesk.releases import views

urlpatterns = [
    path("releases/submit/", views.submit, name="releases"),
    path("releases/verify/<str:token>/", views.verify, name="release-verify"),
    path("releases/status/<str:token>/", views.status, name="release-status"),
    path("media/releases/<str:name>", views.image, name="release-image"),
]

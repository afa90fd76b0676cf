from django.urls import path

from wiredesk.web import views

urlpatterns = [
    path("", views.home, name="home"),
    path("a/<int:article_id>-<slug:slug>/", views.article, name="article"),
]

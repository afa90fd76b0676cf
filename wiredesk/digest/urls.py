from django.urls import path

from wiredesk.digest import staff_views, views

urlpatterns = [
    path("newsletter/", views.signup, name="newsletter"),
    path("newsletter/confirm/<str:token>/", views.confirm, name="newsletter-confirm"),
    path("newsletter/unsubscribe/<str:token>/", views.unsubscribe, name="newsletter-unsubscribe"),
    path("newsletter/preferences/<str:token>/", views.preferences, name="newsletter-preferences"),
    path("newsletter/preview/", staff_views.preview, name="newsletter-preview"),
]

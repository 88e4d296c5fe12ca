"""Pages of the training app (mounted at /training/)."""

from django.urls import URLPattern

app_name = "training"

urlpatterns: list[URLPattern] = []

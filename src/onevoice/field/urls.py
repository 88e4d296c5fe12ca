"""Pages of the field app (mounted at /field/)."""

from django.urls import URLPattern

app_name = "field"

urlpatterns: list[URLPattern] = []

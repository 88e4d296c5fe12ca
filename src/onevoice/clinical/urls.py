"""Pages of the clinical app (mounted at /clinical/)."""

from django.urls import URLPattern

app_name = "clinical"

urlpatterns: list[URLPattern] = []

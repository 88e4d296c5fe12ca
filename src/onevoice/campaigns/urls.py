"""Pages of the campaigns app (mounted at /campaigns/)."""

from django.urls import URLPattern

app_name = "campaigns"

urlpatterns: list[URLPattern] = []

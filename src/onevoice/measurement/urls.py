"""Pages of the measurement app (mounted at /measurement/)."""

from django.urls import URLPattern

app_name = "measurement"

urlpatterns: list[URLPattern] = []

"""Pages of the clinical app (mounted at /clinical/)."""

from django.urls import path

from onevoice.clinical import views

app_name = "clinical"

urlpatterns = [
    path("", views.index, name="index"),
    path("vhs/", views.vhs, name="vhs"),
    path("vlas/", views.vlas, name="vlas"),
    path("staging/", views.staging, name="staging"),
    path("sources/", views.sources, name="sources"),
]

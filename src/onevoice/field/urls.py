"""Pages of the field app (mounted at /field/)."""

from django.urls import path

from onevoice.field import views

app_name = "field"

urlpatterns = [
    path("", views.territory_list, name="territories"),
    path("territories/<str:code>/", views.territory_detail, name="territory"),
    path("clinics/", views.clinic_list, name="clinics"),
    path("clinics/new/", views.clinic_create, name="clinic_new"),
    path("clinics/<int:pk>/", views.clinic_detail, name="clinic"),
    path("clinics/<int:pk>/edit/", views.clinic_edit, name="clinic_edit"),
    path("clinics/<int:pk>/ladder/", views.clinic_ladder, name="clinic_ladder"),
    path("clinics/<int:pk>/vets/new/", views.vet_create, name="vet_new"),
    path("clinics/<int:pk>/activities/new/", views.activity_create, name="activity_new"),
    path("clinics/<int:pk>/trainings/new/", views.training_create, name="training_new"),
    path("vets/<int:pk>/", views.vet_detail, name="vet"),
    path("vets/<int:pk>/edit/", views.vet_edit, name="vet_edit"),
    path("vets/<int:pk>/ladder/", views.vet_ladder, name="vet_ladder"),
    path("vets/<int:pk>/export/", views.vet_export, name="vet_export"),
    path("vets/<int:pk>/erase/", views.vet_erase, name="vet_erase"),
    path("activities/", views.activity_list, name="activities"),
    path("activities/<int:pk>/", views.activity_detail, name="activity"),
    path("activities/<int:pk>/edit/", views.activity_edit, name="activity_edit"),
    path("trainings/", views.training_list, name="trainings"),
    path("trainings/<int:pk>/", views.training_detail, name="training"),
    path("trainings/<int:pk>/edit/", views.training_edit, name="training_edit"),
    path("trainings/<int:pk>/scores/", views.training_scores, name="training_scores"),
    path("imports/", views.import_list, name="imports"),
    path("imports/<int:pk>/", views.import_detail, name="import"),
    path("imports/<int:pk>/commit/", views.import_commit, name="import_commit"),
    path("imports/<int:pk>/refused.csv", views.import_report, name="import_report"),
]

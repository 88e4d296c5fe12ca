"""Pages of the training app (mounted at /training/)."""

from django.urls import path

from onevoice.training import views

app_name = "training"

urlpatterns = [
    path("", views.program_list, name="programs"),
    path("reminders/", views.reminders, name="reminders"),
    path("programs/new/", views.program_create, name="program_create"),
    path("programs/<int:pk>/", views.program_detail, name="program"),
    path("programs/<int:pk>/edit/", views.program_edit, name="program_edit"),
    path("programs/<int:pk>/status/", views.program_status, name="program_status"),
    path("programs/<int:pk>/enrol/", views.program_enrol, name="program_enrol"),
    path("programs/<int:pk>/modules/new/", views.module_create, name="module_create"),
    path("programs/<int:pk>/readiness/", views.readiness_dashboard, name="readiness"),
    path("programs/<int:pk>/reps/<int:rep_id>/", views.rep_progress, name="rep"),
    path("programs/<int:pk>/prep/", views.program_prep, name="program_prep"),
    path("programs/<int:pk>/seminars/new/", views.seminar_create, name="seminar_create"),
    path("programs/<int:pk>/roleplays/", views.roleplay_list, name="roleplays"),
    path("programs/<int:pk>/roleplays/build/", views.scenarios_build, name="scenarios_build"),
    path("programs/<int:pk>/vhs/", views.vhs_home, name="vhs"),
    path("programs/<int:pk>/vhs/new/", views.vhs_new, name="vhs_new"),
    path("programs/<int:pk>/vhs/cases/<int:seed>/", views.vhs_generated, name="vhs_generated"),
    path("programs/<int:pk>/vhs/submit/", views.vhs_submit, name="vhs_submit"),
    path("programs/<int:pk>/vhs/upload/", views.vhs_case_upload, name="vhs_case_upload"),
    path("modules/<int:pk>/", views.module_detail, name="module"),
    path("modules/<int:pk>/edit/", views.module_edit, name="module_edit"),
    path("modules/<int:pk>/questions/", views.question_bank, name="questions"),
    path("modules/<int:pk>/questions/new/", views.question_create, name="question_create"),
    path("modules/<int:pk>/quiz/", views.quiz_start, name="quiz_start"),
    path("questions/<int:pk>/active/", views.question_active, name="question_active"),
    path("questions/<int:pk>/image/", views.question_image, name="question_image"),
    path("attempts/<int:pk>/", views.attempt_detail, name="attempt"),
    path("attempts/<int:pk>/submit/", views.attempt_submit, name="attempt_submit"),
    path("seminars/<int:pk>/", views.seminar_detail, name="seminar"),
    path("seminars/<int:pk>/attendance/", views.seminar_attendance, name="seminar_attendance"),
    path("seminars/<int:pk>/prep/", views.seminar_prep, name="seminar_prep"),
    path("seminars/<int:pk>/roleplays/new/", views.roleplay_create, name="roleplay_create"),
    path("roleplays/<int:pk>/", views.roleplay_detail, name="roleplay"),
    path("roleplays/<int:pk>/score/", views.roleplay_score, name="roleplay_score"),
    path("radiographs/<int:pk>/", views.vhs_case, name="vhs_case"),
    path("radiographs/<int:pk>/image/", views.vhs_case_image, name="vhs_case_image"),
    path("radiographs/<int:pk>/reference/", views.vhs_case_reference, name="vhs_case_reference"),
    path(
        "radiographs/<int:pk>/reference/save/",
        views.vhs_case_reference_save,
        name="vhs_case_reference_save",
    ),
    path("measurements/<int:pk>/", views.vhs_attempt, name="vhs_attempt"),
    path("kits/", views.kit_list, name="kits"),
    path("kits/new/", views.kit_create, name="kit_create"),
    path("kits/<int:pk>/", views.kit_detail, name="kit"),
    path("kits/<int:pk>/invite/", views.kit_invite, name="kit_invite"),
    # The vet's side: a personal, signed, expiring link; no account.
    path("kit/<str:token>/", views.kit_public, name="kit_public"),
    path("kit/<str:token>/vhs/", views.kit_public_vhs, name="kit_public_vhs"),
    path("kit/<str:token>/vhs/submit/", views.kit_public_vhs_submit, name="kit_public_vhs_submit"),
    path("kit/<str:token>/<str:test>/", views.kit_public_test, name="kit_public_test"),
    path(
        "kit/<str:token>/<str:test>/submit/",
        views.kit_public_test_submit,
        name="kit_public_test_submit",
    ),
]

"""Pages of the campaigns app (mounted at /campaigns/)."""

from django.urls import path

from onevoice.campaigns import views

app_name = "campaigns"

urlpatterns = [
    path("", views.campaign_list, name="list"),
    path("new/", views.campaign_create, name="create"),
    path("notifications/", views.notifications, name="notifications"),
    path("assets/versions/<int:pk>/", views.asset_version_page, name="asset_version"),
    path("assets/versions/<int:pk>/file/", views.asset_download, name="asset_download"),
    path("assets/versions/<int:pk>/decide/", views.asset_decide, name="asset_decide"),
    path("assets/versions/<int:pk>/use/", views.asset_use, name="asset_use"),
    path("assets/versions/<int:pk>/comment/", views.asset_comment, name="asset_comment"),
    path("<slug:slug>/", views.campaign_detail, name="detail"),
    path("<slug:slug>/brief/", views.brief_edit, name="brief_edit"),
    path("<slug:slug>/transition/", views.campaign_transition, name="transition"),
    path("<slug:slug>/sign/", views.campaign_sign, name="sign"),
    path("<slug:slug>/history/", views.campaign_history, name="history"),
    path("<slug:slug>/messages/new/", views.message_create, name="message_create"),
    path("<slug:slug>/messages/<int:pk>/edit/", views.message_edit, name="message_edit"),
    path("<slug:slug>/messages/<int:pk>/approve/", views.message_approve, name="message_approve"),
    path(
        "<slug:slug>/messages/<int:pk>/evidence/",
        views.message_evidence_add,
        name="message_evidence",
    ),
    path("<slug:slug>/objections/new/", views.objection_raise, name="objection_raise"),
    path(
        "<slug:slug>/objections/<int:pk>/upvote/", views.objection_upvote, name="objection_upvote"
    ),
    path("<slug:slug>/objections/<int:pk>/response/", views.response_edit, name="response_edit"),
    path(
        "<slug:slug>/objections/<int:pk>/response/evidence/",
        views.response_evidence_add,
        name="response_evidence",
    ),
    path(
        "<slug:slug>/objections/<int:pk>/response/approve/",
        views.response_approve,
        name="response_approve",
    ),
    path("<slug:slug>/assets/new/", views.asset_create, name="asset_create"),
    path(
        "<slug:slug>/assets/<int:pk>/versions/new/",
        views.asset_version_add,
        name="asset_version_add",
    ),
    path("<slug:slug>/kpis/", views.kpi_set, name="kpi_set"),
    path("<slug:slug>/kpis/<int:pk>/remove/", views.kpi_remove, name="kpi_remove"),
    path("<slug:slug>/comments/", views.comment_add, name="comment_add"),
]

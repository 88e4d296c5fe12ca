"""Pages of the measurement app (mounted at /measurement/)."""

from django.urls import path

from onevoice.measurement import views

app_name = "measurement"

urlpatterns = [
    path("uplift/", views.uplift_list, name="uplift"),
    path("uplift/<int:pk>/", views.uplift_detail, name="uplift_detail"),
    path("uplift/<int:pk>/<str:table>.csv", views.uplift_csv, name="uplift_csv"),
    path("sales/", views.sales_list, name="sales"),
    path("sales/uploads/<str:token>/", views.sales_preview, name="sales_preview"),
    path("sales/batches/<str:batch_id>/", views.sales_batch, name="sales_batch"),
    path(
        "sales/batches/<str:batch_id>/quarantine.csv",
        views.sales_quarantine,
        name="sales_quarantine",
    ),
    path("sales/batches/<str:batch_id>/rollback/", views.sales_rollback, name="sales_rollback"),
]

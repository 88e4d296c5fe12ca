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
    path("dashboards/", views.dashboard_index, name="dashboards"),
    path("dashboards/marketing/", views.dashboard_marketing, name="dashboard_marketing"),
    path("dashboards/sales/", views.dashboard_sales, name="dashboard_sales"),
    path("dashboards/territory/", views.dashboard_territory, name="dashboard_territory"),
    path("dashboards/<str:kind>/<slug:chart>.csv", views.dashboard_csv, name="dashboard_csv"),
    path("kpis/<slug:slug>/compute/", views.kpis_compute, name="kpis_compute"),
    path("portfolio/", views.portfolio_page, name="portfolio"),
    path("portfolio.csv", views.portfolio_csv, name="portfolio_csv"),
    path("reviews/<slug:slug>/", views.review_page, name="review"),
    path("reviews/<slug:slug>/review.<str:fmt>", views.review_download, name="review_file"),
    path("reviews/<slug:slug>/produce/", views.review_produce, name="review_produce"),
]

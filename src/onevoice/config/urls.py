from django.contrib import admin
from django.urls import include, path

from onevoice.accounts import views as account_views
from onevoice.config.api import api

admin.site.site_header = "OneVoice administration"

urlpatterns = [
    path("", account_views.home, name="home"),
    path("accounts/", include("onevoice.accounts.urls")),
    path("campaigns/", include("onevoice.campaigns.urls")),
    path("training/", include("onevoice.training.urls")),
    path("field/", include("onevoice.field.urls")),
    path("clinical/", include("onevoice.clinical.urls")),
    path("measurement/", include("onevoice.measurement.urls")),
    path("api/", api.urls),
    # The admin site's own login form would not count failures: one throttled form for all.
    path("admin/login/", account_views.ThrottledLoginView.as_view(), name="admin_login"),
    path("admin/", admin.site.urls),
]

from django.contrib import admin
from django.urls import include, path

from accounts import views as accounts_views

urlpatterns = [
    path("", accounts_views.home, name="home"),
    path("accounts/", include("accounts.urls")),
    path("schemes/", include("schemes.urls")),
    path("matching/", include("matching.urls")),
    path("pairs/", include("meetings.urls")),
    path("surveys/", include("surveys.urls")),
    path("supervision/", include("supervision.urls")),
    path("reports/", include("reports.urls")),
    path("admin/", admin.site.urls),
]

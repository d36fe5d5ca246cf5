from django.contrib import admin
from django.shortcuts import redirect
from django.templatetags.static import static
from django.urls import include, path

from accounts import views as accounts_views

from . import health


def favicon(request):
    """Browsers, bookmarks and feed readers ask for /favicon.ico: send them to the site's icon.

    The static URL is looked up per request: in production it carries a content hash from the
    manifest, which does not exist before collectstatic has run.
    """
    return redirect(static("favicon.svg"), permanent=True)


urlpatterns = [
    path("", accounts_views.home, name="home"),
    path("favicon.ico", favicon, name="favicon"),
    path("health/live/", health.live, name="health-live"),
    path("health/ready/", health.ready, name="health-ready"),
    path("accounts/", include("accounts.urls")),
    path("schemes/", include("schemes.urls")),
    path("matching/", include("matching.urls")),
    path("pairs/", include("meetings.urls")),
    path("surveys/", include("surveys.urls")),
    path("supervision/", include("supervision.urls")),
    path("reports/", include("reports.urls")),
    path("admin/", admin.site.urls),
]

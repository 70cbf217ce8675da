import importlib
import importlib.util

from django.contrib import admin
from django.urls import include, path

from tandem.config.api import api

#: Apps that serve HTML pages under their own prefix, when they have a urls module.
PAGE_APPS = ("touchpoints", "campaigns", "intake", "identity", "imports", "scoring", "routing", "sla",
             "notifications", "attribution", "goals", "reporting")

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
]
urlpatterns += [path(f"{app}/", include(f"tandem.{app}.urls")) for app in PAGE_APPS
                if importlib.util.find_spec(f"tandem.{app}.urls") is not None]
urlpatterns += [path("", include("tandem.web.urls"))]

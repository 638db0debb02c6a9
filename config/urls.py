"""Top-level URL map: each app owns its routes; config only mounts them."""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from core.auth_views import ThrottledLoginView
from governance.views.dashboard import dashboard

urlpatterns = [
    # The API first, governance's (the decision endpoint leads it) before the catalog's: Django tries patterns in
    # order, and the gateway's decision call on every LLM request should not walk the portal's routes first.
    path(
        "api/v1/",
        include(([path("", include("governance.api.urls")), path("", include("catalog.api.urls"))], "api")),
    ),
    # The dashboard is the home page; "home" is the name the layout links the brand to.
    path("", dashboard, name="home"),
    path("", include("core.urls")),
    path("", include("governance.urls")),
    # Sign-in first, so the throttled view wins over django.contrib.auth's.
    path("accounts/login/", ThrottledLoginView.as_view(), name="login"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("oidc/", include("mozilla_django_oidc.urls")),
    path("catalog/", include("catalog.urls")),
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves Swagger UI's start-up script as a file, so the strict CSP needs no inline script.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
]

# Unmatched /api/ addresses answer in the API's error shape; the portal keeps its 404 page.
handler404 = "core.views.page_not_found"

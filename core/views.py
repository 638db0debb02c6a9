"""Liveness and readiness probes, as JSON, for load balancers and orchestrators."""

from django.http import HttpResponsePermanentRedirect, JsonResponse
from django.templatetags.static import static
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from core import health


@never_cache
@require_GET
def healthz(request):
    """The process is alive and serving; checks nothing else, so a slow database never restarts the web tier."""
    return JsonResponse({"status": "ok"})


@never_cache
@require_GET
def readyz(request):
    """Ready to take traffic: the database and the broker both answer. 503 otherwise, naming what failed."""
    checks = {}
    for name, check in (("database", health.check_database), ("broker", health.check_broker)):
        ok, detail = check()
        checks[name] = {"ok": ok, "detail": detail}
    ready = all(c["ok"] for c in checks.values())
    body = {"status": "ready" if ready else "unavailable", "checks": checks}
    if checks["database"]["ok"]:
        # Informational: a stopped worker or beat does not make the web tier unready, but operators should see it.
        body["background"] = health.background_status()
    return JsonResponse(body, status=200 if ready else 503)


def favicon(request):
    """Browsers ask for /favicon.ico; the icon is a static SVG (its hashed name is only known at request time)."""
    return HttpResponsePermanentRedirect(static("favicon.svg"))


def page_not_found(request, exception):
    """404 in the API's error shape under /api/, the portal's page elsewhere."""
    if request.path.startswith("/api/"):
        from core.api.errors import error_body

        return JsonResponse(error_body("not_found", "No API endpoint or object at this address."), status=404)
    from django.views.defaults import page_not_found as html_page_not_found

    return html_page_not_found(request, exception)

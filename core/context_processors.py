"""Site-wide template context."""

from django.conf import settings


def site(request):
    return {"oidc_enabled": settings.OIDC_ENABLED}

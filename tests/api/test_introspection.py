"""Deny by default, checked on the URL map itself: every API view names its permission classes and, for every
method it serves, the token scope that method needs. A new view that forgets either fails here."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.views import APIView

from core.api.permissions import TokenHasScope
from governance.api.permissions import scopes_required

HTTP_METHODS = ("get", "post", "put", "patch", "delete")


def api_views(patterns=None, prefix: str = ""):
    """(route, view class) of every DRF view in the URL map."""
    for entry in patterns if patterns is not None else get_resolver().url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from api_views(entry.url_patterns, route)
        elif isinstance(entry, URLPattern):
            view_class = getattr(entry.callback, "cls", None)
            if view_class is not None and issubclass(view_class, APIView):
                yield route, view_class


def problems_of(view_class) -> list[str]:
    problems = []
    declared = [
        klass
        for klass in view_class.__mro__
        if "permission_classes" in vars(klass) and not klass.__module__.startswith("rest_framework")
    ]
    if not declared:
        problems.append("no explicit permission_classes (DRF's default applies)")
    elif not any(issubclass(p, TokenHasScope) for p in view_class.permission_classes):
        problems.append("permission_classes do not check the API token's scope")
    for method in HTTP_METHODS:
        if hasattr(view_class, method) and not scopes_required(view_class, method.upper()):
            problems.append(f"no required scope for {method.upper()}")
    return problems


def test_every_api_view_declares_its_permissions_and_a_scope_per_method():
    views = [(route, view) for route, view in api_views() if route.startswith("api/v1/")]
    assert len(views) > 40  # the catalog's and governance's endpoints are all found

    offenders = {route: problems_of(view) for route, view in views if problems_of(view)}
    assert offenders == {}


def test_the_check_catches_a_view_that_forgets_them():
    class Forgetful(APIView):
        def get(self, request):
            raise AssertionError

    class ScopedForGetOnly(APIView):
        permission_classes = [TokenHasScope]
        required_scopes = {"GET": "catalog:read"}

        def get(self, request):
            raise AssertionError

        def delete(self, request):
            raise AssertionError

    assert problems_of(Forgetful) == [
        "no explicit permission_classes (DRF's default applies)",
        "no required scope for GET",
    ]
    assert problems_of(ScopedForGetOnly) == ["no required scope for DELETE"]

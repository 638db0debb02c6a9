"""The API's routes as the URL router holds them, so the security matrices cover every endpoint that exists, not
the ones someone remembered to list."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver, resolve

API_PREFIX = "api/v1/"
HTTP_METHODS = ("get", "post", "put", "patch", "delete")
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


@dataclass(frozen=True)
class Route:
    name: str  # "api:request-detail"
    pattern: str  # "api/v1/requests/<int:pk>/"
    methods: tuple[str, ...]  # the HTTP methods its view answers, upper case
    view_class: type | None  # None for a plain function view


def _view_class(callback) -> type | None:
    return getattr(callback, "cls", None) or getattr(callback, "view_class", None)


def _methods(view_class) -> tuple[str, ...]:
    if view_class is None:
        # A plain function view: it may answer anything, so it must be listed for every method.
        return tuple(m.upper() for m in HTTP_METHODS)
    return tuple(m.upper() for m in HTTP_METHODS if callable(getattr(view_class, m, None)))


def _walk(patterns, prefix: str, namespace: str):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = namespace
            if entry.namespace:
                inner = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern), inner)
        elif isinstance(entry, URLPattern):
            name = f"{namespace}:{entry.name}" if namespace and entry.name else (entry.name or "")
            view_class = _view_class(entry.callback)
            yield Route(
                name=name or f"<unnamed {prefix}{entry.pattern}>",
                pattern=prefix + str(entry.pattern),
                methods=_methods(view_class),
                view_class=view_class,
            )


def api_routes() -> list[Route]:
    """Every route under /api/v1/, in the router's order."""
    return [route for route in _walk(get_resolver().url_patterns, "", "") if route.pattern.startswith(API_PREFIX)]


def api_operations() -> set[tuple[str, str]]:
    """(route name, method) of every operation the API serves."""
    return {(route.name, method) for route in api_routes() for method in route.methods}


def documented_request_fields() -> dict[tuple[str, str], frozenset[str]]:
    """(route name, method) -> the body fields the OpenAPI schema documents for it (empty: no body)."""
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    components = schema["components"]["schemas"]
    fields = {}
    for path, operations in schema["paths"].items():
        concrete = path.replace("{id}", "1").replace("{version}", "1").replace("{slug}", "x")
        name = resolve(concrete).view_name
        for method, operation in operations.items():
            properties: set[str] = set()
            for content in operation.get("requestBody", {}).get("content", {}).values():
                ref = content["schema"]["$ref"].rsplit("/", 1)[-1]
                properties |= set(components[ref].get("properties", {}))
            fields[(name, method.upper())] = frozenset(properties)
    return fields

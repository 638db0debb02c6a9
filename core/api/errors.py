"""The API's one error shape: ``{"error": {"code": str, "message": str, "details": {...}}}``.

Every failure the API can produce goes through here: DRF's own exceptions (validation, authentication,
permission, not found, throttling, parse errors), the domain's ApplicationError family, and Django's Http404 and
PermissionDenied. Validation details keep DRF's per-field lists so a client can show them next to the field.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from core.exceptions import ApplicationError

DRF_CODES = {
    exceptions.ValidationError: "invalid",
    exceptions.ParseError: "malformed_request",
    exceptions.AuthenticationFailed: "authentication_failed",
    exceptions.NotAuthenticated: "not_authenticated",
    exceptions.PermissionDenied: "permission_denied",
    exceptions.NotFound: "not_found",
    exceptions.MethodNotAllowed: "method_not_allowed",
    exceptions.NotAcceptable: "not_acceptable",
    exceptions.UnsupportedMediaType: "unsupported_media_type",
    exceptions.Throttled: "throttled",
}


def error_body(code: str, message: str, details: dict | None = None) -> dict:
    return {"error": {"code": code, "message": message, "details": details or {}}}


def _drf_code(exc: exceptions.APIException) -> str:
    for cls in type(exc).__mro__:
        if cls in DRF_CODES:
            return DRF_CODES[cls]
    return getattr(exc, "default_code", "error")


def api_exception_handler(exc, context):
    if isinstance(exc, ApplicationError):
        return Response(error_body(exc.code, exc.message, exc.details), status=exc.http_status)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # an unexpected error: Django's 500 handling (logged, no debug page in production)
    if isinstance(exc, exceptions.ValidationError):
        details = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        response.data = error_body("invalid", "The request has invalid fields.", details)
    else:
        message = str(exc.detail) if not isinstance(exc.detail, (dict, list)) else exc.default_detail
        details = {"wait_seconds": exc.wait} if isinstance(exc, exceptions.Throttled) else {}
        response.data = error_body(_drf_code(exc), str(message), details)
    return response


class ErrorDetailSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Stable, machine-readable code, e.g. 'conflict', 'not_found'.")
    message = serializers.CharField(help_text="What went wrong, for a person.")
    details = serializers.DictField(help_text="Per-field errors or other structured details.")


class ErrorSerializer(serializers.Serializer):
    """The body of every 4xx/5xx response of the API."""

    error = ErrorDetailSerializer()


# Responses documented on every operation (drf-spectacular), so generated clients know the error shape.
COMMON_ERROR_RESPONSES = {
    status.HTTP_400_BAD_REQUEST: ErrorSerializer,
    status.HTTP_401_UNAUTHORIZED: ErrorSerializer,
    status.HTTP_403_FORBIDDEN: ErrorSerializer,
    status.HTTP_404_NOT_FOUND: ErrorSerializer,
    status.HTTP_429_TOO_MANY_REQUESTS: ErrorSerializer,
}

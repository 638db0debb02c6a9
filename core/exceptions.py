"""The one domain exception family. Services raise these; each interface (API, pages, commands) renders them."""

from __future__ import annotations


class ApplicationError(Exception):
    """A rule of the domain refused the operation. ``code`` is stable and machine-readable."""

    code = "invalid"
    http_status = 400

    def __init__(self, message: str, *, details: dict | None = None, code: str | None = None):
        super().__init__(message)
        self.message = message
        self.details = details or {}
        if code:
            self.code = code


class NotFoundError(ApplicationError):
    code = "not_found"
    http_status = 404


class PermissionDeniedError(ApplicationError):
    code = "permission_denied"
    http_status = 403


class ConflictError(ApplicationError):
    """The object is not in a state that allows the operation (an illegal transition, a concurrent change)."""

    code = "conflict"
    http_status = 409

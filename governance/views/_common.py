"""What the governance pages share: turning domain errors into HTTP answers, and form helpers."""

from __future__ import annotations

import contextlib

from django.core.exceptions import PermissionDenied
from django.http import Http404

from core.exceptions import ApplicationError, NotFoundError, PermissionDeniedError


@contextlib.contextmanager
def http_errors():
    """NotFoundError -> 404 and PermissionDeniedError -> 403 (both rendered by the error templates, with the
    service's message); any other ApplicationError is left for the caller, which shows it next to the form."""
    try:
        yield
    except NotFoundError as exc:
        raise Http404(exc.message) from exc
    except PermissionDeniedError as exc:
        raise PermissionDenied(exc.message) from exc


def add_service_error(form, exc: ApplicationError) -> None:
    """Attach a service's refusal to the form field it names (``details`` keys), else to the form as a whole."""
    fields = [name for name in exc.details if name in form.fields]
    if fields:
        form.add_error(fields[0], exc.message)
    else:
        form.add_error(None, exc.message)


def int_or_none(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None

"""The audit log for auditors and governance admins: filter, export (CSV / JSON), and verify the hash chain."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from core.audit import audit_events, audit_export_csv, audit_export_json, audit_verify
from governance import permissions
from governance.forms import AuditFilterForm

PAGE_SIZE = 100


def _require_audit_reader(user) -> None:
    if not permissions.sees_everything(user):
        raise PermissionDenied("The audit log is for auditors and governance admins.")


def _filtered(request):
    form = AuditFilterForm(request.GET or None)
    arguments = form.selector_arguments() if form.is_bound and form.is_valid() else {}
    return form, audit_events(**arguments)


@login_required
@require_GET
def audit_log(request):
    _require_audit_reader(request.user)
    form, events = _filtered(request)
    # Newest first on screen; the exports keep chain order, which is what verifying a file needs.
    page = Paginator(events.order_by("-id"), PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "query": query.urlencode()}
    return render(request, "governance/audit_log.html", context, status=400 if form.errors else 200)


@login_required
@require_GET
def audit_export(request, fmt: str):
    """The filtered events as a file, in chain order: JSON keeps every hashed field exactly, CSV is for people."""
    _require_audit_reader(request.user)
    form, events = _filtered(request)
    if form.errors:
        return render(request, "governance/audit_log.html", {"form": form, "page": None}, status=400)
    stamp = timezone.now().strftime("%Y%m%dT%H%M%SZ")
    if fmt == "json":
        response = HttpResponse(content_type="application/json; charset=utf-8")
        count = audit_export_json(events, response)
    else:
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        count = audit_export_csv(events, response)
    response["Content-Disposition"] = f'attachment; filename="modelgate-audit-{stamp}.{fmt}"'
    response["X-Event-Count"] = str(count)
    return response


@login_required
@require_GET
def audit_chain_status(request):
    """Walks the whole chain: loaded on demand by the audit page (htmx), never on every page view."""
    _require_audit_reader(request.user)
    return render(request, "governance/_audit_verify.html", {"result": audit_verify(), "checked_at": timezone.now()})

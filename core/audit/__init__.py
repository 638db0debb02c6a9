"""The tamper-evident audit trail: every service records what it changed, in the transaction of the change.

with transaction.atomic():
    request.status = "approved"
    request.save()
    audit_record(action="approval_request.approve", target=request, actor=user,
                 before={"status": "in_review"}, after={"status": "approved"}, context={"team": team.slug})
"""

from core.audit.chain import VerifyResult, audit_verify
from core.audit.export import audit_export_csv, audit_export_json
from core.audit.selectors import audit_events
from core.audit.services import AuditError, audit_record
from core.audit.snapshot import snapshot

__all__ = [
    "AuditError",
    "VerifyResult",
    "audit_events",
    "audit_export_csv",
    "audit_export_json",
    "audit_record",
    "audit_verify",
    "snapshot",
]

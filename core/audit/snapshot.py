"""JSON-safe pictures of model instances for an audit event's ``before`` and ``after``."""

from __future__ import annotations

import datetime
import json

from django.core.serializers.json import DjangoJSONEncoder

# Never copied into the audit trail, whatever the model: the trail is read by auditors, not only by admins.
SECRET_FIELD_NAMES = frozenset({"password", "secret", "secret_hash", "token_hash", "pepper"})


class AuditJSONEncoder(DjangoJSONEncoder):
    """Django's encoder, but with full-precision times: it cuts them to milliseconds (ECMA-262), and two changes
    a few microseconds apart must not look identical in the audit trail."""

    def default(self, o):
        if isinstance(o, datetime.datetime | datetime.time):
            return o.isoformat()
        return super().default(o)


def json_safe(value):
    """``value`` as plain JSON types, exactly as it will read back from a jsonb column.

    Decimal becomes a string (never a float: money stays exact), datetimes and dates ISO 8601, UUIDs strings.
    Non-finite floats and other types are refused with a clear error rather than stored as something else.
    """
    try:
        return json.loads(json.dumps(value, cls=AuditJSONEncoder, allow_nan=False))
    except (TypeError, ValueError) as exc:
        raise ValueError(f"not JSON-serialisable: {exc}") from exc


def snapshot(instance, fields=None) -> dict:
    """The instance's concrete fields (foreign keys as their id, under the field's name) as a JSON-safe dict.

    ``fields`` limits the snapshot to those field names; an unknown name is an error, not silently skipped, so a
    renamed field cannot quietly drop out of the audit trail.
    """
    concrete = {field.name: field for field in instance._meta.concrete_fields}
    if fields is None:
        names = [name for name in concrete if name not in SECRET_FIELD_NAMES]
    else:
        unknown = [name for name in fields if name not in concrete]
        if unknown:
            raise ValueError(f"{instance._meta.label} has no field(s) {', '.join(unknown)}")
        names = list(fields)
    return json_safe({name: getattr(instance, concrete[name].attname) for name in names})

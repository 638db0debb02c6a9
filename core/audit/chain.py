"""The hash chain: how an event's hash is computed, and the walk that checks every event against it.

hash = sha256(prev_hash + canonical JSON of the event's fields), where the canonical JSON has sorted keys, no
whitespace, UTF-8 text and timestamps in UTC ISO 8601 with microseconds. The event's own id and its prev_hash are
among the hashed fields, so an event cannot be moved, removed or inserted without breaking the chain. An exported
JSON file (``export_audit --format json``) carries every hashed field, so it can be checked without this code.
"""

from __future__ import annotations

import datetime
import hashlib
import ipaddress
import json
from dataclasses import dataclass

from core.models import AuditEvent

HASHED_FIELDS = (
    "id",
    "occurred_at",
    "actor_id",
    "actor_username",
    "actor_label",
    "action",
    "target_type",
    "target_id",
    "target_repr",
    "before",
    "after",
    "context",
    "request_id",
    "ip",
    "prev_hash",
)


def iso_timestamp(value: datetime.datetime) -> str:
    return value.astimezone(datetime.UTC).isoformat(timespec="microseconds")


def normalized_ip(value) -> str | None:
    """One spelling per address, so the text hashed at write time equals what PostgreSQL's inet gives back."""
    if value in (None, ""):
        return None
    return str(ipaddress.ip_address(str(value)))


def _integral_floats_as_int(value):
    """jsonb keeps numbers as decimals and may hand 1e16 back as 10000000000000000 (an int): hash integral
    floats as ints so a value reads back with the same canonical text it was written with."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {key: _integral_floats_as_int(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_integral_floats_as_int(item) for item in value]
    return value


def canonical_json(fields: dict) -> str:
    data = {name: fields[name] for name in HASHED_FIELDS}
    data["occurred_at"] = iso_timestamp(data["occurred_at"])
    data["ip"] = normalized_ip(data["ip"])
    return json.dumps(
        _integral_floats_as_int(data), sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )


def event_hash(fields: dict) -> str:
    return hashlib.sha256((fields["prev_hash"] + canonical_json(fields)).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class VerifyResult:
    """The outcome of walking the chain: intact, or the first event that does not fit and why."""

    intact: bool
    checked: int
    first_broken_id: int | None = None
    reason: str = ""
    head_hash: str = AuditEvent.GENESIS_HASH


def audit_verify() -> VerifyResult:
    """Walk every event in id order, recomputing each hash and checking it links to the one before.

    One query, so the walk sees one consistent snapshot even while new events are being written.
    """
    expected_prev = AuditEvent.GENESIS_HASH
    checked = 0
    rows = AuditEvent.objects.order_by("id").values(*HASHED_FIELDS, "hash").iterator(chunk_size=2000)
    for row in rows:
        reason = _mismatch(row, expected_prev)
        if reason:
            return VerifyResult(False, checked, row["id"], reason, expected_prev)
        expected_prev = row["hash"]
        checked += 1
    return VerifyResult(True, checked, None, "", expected_prev)


def _mismatch(row: dict, expected_prev: str) -> str:
    if row["prev_hash"] != expected_prev:
        return (
            "its prev_hash does not match the hash of the event before it: an event was removed, inserted or "
            "reordered here"
        )
    if event_hash(row) != row["hash"]:
        return "its contents do not match its hash: the event was changed after it was written"
    return ""

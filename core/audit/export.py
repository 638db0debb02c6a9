"""Exporting the audit trail for auditors: CSV for spreadsheets, JSON for tools.

The JSON export is exact: every hashed field as stored, so the chain can be re-checked from the file alone
(see core.audit.chain). The CSV export is for people and neutralises cells a spreadsheet would run as formulas.
"""

from __future__ import annotations

import csv
import json

from core.audit.chain import HASHED_FIELDS, iso_timestamp, normalized_ip

EXPORT_FIELDS = (*HASHED_FIELDS, "hash")
JSON_COLUMNS = ("before", "after", "context")
# OWASP "CSV injection": a cell starting with one of these is a formula in Excel and LibreOffice.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def _rows(queryset):
    for row in queryset.order_by("id").values(*EXPORT_FIELDS).iterator(chunk_size=2000):
        row["occurred_at"] = iso_timestamp(row["occurred_at"])
        row["ip"] = normalized_ip(row["ip"])
        yield row


def audit_export_json(queryset, stream) -> int:
    """Write the events as one JSON array, one event per line, streaming. Returns the number written."""
    count = 0
    stream.write("[")
    for row in _rows(queryset):
        stream.write(",\n" if count else "\n")
        stream.write(json.dumps(row, sort_keys=True, ensure_ascii=False))
        count += 1
    stream.write("\n]\n" if count else "]\n")
    return count


def audit_export_csv(queryset, stream) -> int:
    """Write a header and one line per event; JSON columns hold compact JSON text. Returns the number written."""
    writer = csv.writer(stream)
    writer.writerow(EXPORT_FIELDS)
    count = 0
    for row in _rows(queryset):
        for column in JSON_COLUMNS:
            row[column] = json.dumps(row[column], sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        writer.writerow([_cell(row[field]) for field in EXPORT_FIELDS])
        count += 1
    return count


def _cell(value):
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value

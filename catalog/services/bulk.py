"""Fast inserts for the sync's large batches: PostgreSQL COPY instead of multi-row INSERT.

A full catalog load inserts ~100,000 rows (observations, offerings, prices, aliases, change events). Django's
bulk_create quotes every parameter in Python (client-side binding): measured here, ~60% of a full load was spent
composing INSERT statements. COPY sends rows through psycopg's C dumpers. Ids are taken from the table's own
identity sequence first (one query), so callers get pks exactly as bulk_create would give them.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from operator import attrgetter

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import JSONField

COPY_THRESHOLD = 200  # below this, bulk_create is as fast and simpler to read in a query log
_TEMP_TABLES = itertools.count(1)


def copy_insert(model_class, objs: list) -> list:
    """Insert ``objs`` (unsaved instances) and set their pks; the same result as ``bulk_create(objs)``."""
    if len(objs) < COPY_THRESHOLD:
        return model_class.objects.bulk_create(objs, batch_size=2000)
    db = connections[DEFAULT_DB_ALIAS]  # the wrapper itself: the `connection` proxy costs a lookup per access
    meta = model_class._meta
    _parents_ids(meta, objs)
    _allocate_ids(db, meta, [obj for obj in objs if obj.pk is None])
    fields = [field for field in meta.concrete_fields if not field.generated]
    values = [_reader(field, db) for field in fields]
    columns = ", ".join(db.ops.quote_name(field.column) for field in fields)
    sql = f'COPY "{meta.db_table}" ({columns}) FROM STDIN'
    started = time.monotonic()
    with db.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        for obj in objs:
            copy.write_row([value(obj) for value in values])
    if db.queries_logged:  # visible to CaptureQueriesContext and debug tooling like any statement
        db.queries_log.append({"sql": f"{sql} -- {len(objs)} rows", "time": f"{time.monotonic() - started:.3f}"})
    for obj in objs:
        obj._state.adding = False
        obj._state.db = db.alias
    return objs


def copy_update(model_class, objs: list, field_names: list[str], batch_size: int = 1000) -> None:
    """``bulk_update(objs, field_names)`` through a temporary table: COPY the new values in, one UPDATE ... FROM.
    Django's bulk_update builds a CASE WHEN per row and field, which costs seconds for a few thousand rows."""
    if len(objs) < COPY_THRESHOLD:
        model_class.objects.bulk_update(objs, field_names, batch_size=batch_size)
        return
    db = connections[DEFAULT_DB_ALIAS]
    meta = model_class._meta
    fields = [meta.pk, *(meta.get_field(name) for name in field_names)]
    columns = [db.ops.quote_name(field.column) for field in fields]
    values = [_reader(field, db) for field in fields]
    temp = f"catalog_bulk_update_{next(_TEMP_TABLES)}"
    assignments = ", ".join(f"{column} = {temp}.{column}" for column in columns[1:])
    with db.cursor() as cursor:
        # ON COMMIT DROP: the table lives as long as the sync's transaction, and a unique name per call lets one
        # transaction (a test's) hold several.
        # Identifiers only, from the model's metadata (quoted); the values travel through COPY.
        select = f'SELECT {", ".join(columns)} FROM "{meta.db_table}" WITH NO DATA'  # noqa: S608  # nosec B608 identifiers from model metadata
        cursor.execute(f"CREATE TEMP TABLE {temp} ON COMMIT DROP AS {select}")
        with cursor.cursor.copy(f"COPY {temp} ({', '.join(columns)}) FROM STDIN") as copy:
            for obj in objs:
                copy.write_row([value(obj) for value in values])
        table, pk = f'"{meta.db_table}"', columns[0]
        cursor.execute(f"UPDATE {table} SET {assignments} FROM {temp} WHERE {table}.{pk} = {temp}.{pk}")  # noqa: S608  # nosec B608 identifiers from model metadata


def _reader(field, db) -> Callable:
    """How to read a field's database value from an instance. Only what needs Django's conversion gets it: psycopg
    adapts str, int, bool, Decimal, aware datetimes and lists itself."""
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        return lambda obj: field.pre_save(obj, True)
    if isinstance(field, JSONField):
        return lambda obj: field.get_db_prep_save(getattr(obj, field.attname), db)
    return attrgetter(field.attname)


def _parents_ids(meta, objs: list) -> None:
    """Copy the pk of a parent saved after the child was built (a new offering's prices) into the child's fk."""
    relations = [field for field in meta.concrete_fields if field.is_relation]
    for obj in objs:
        for field in relations:
            if getattr(obj, field.attname) is None and field.is_cached(obj):
                parent = field.get_cached_value(obj)
                if parent is not None:
                    setattr(obj, field.attname, parent.pk)


def _allocate_ids(db, meta, objs: list) -> None:
    if not objs:
        return
    with db.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [meta.db_table, meta.pk.column, len(objs)],
        )
        for obj, (pk,) in zip(objs, cursor.fetchall(), strict=True):
            obj.pk = pk

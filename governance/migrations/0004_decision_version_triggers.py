"""The decision cache's version: a counter that changes on commit of anything a decision depends on.

One row in ``governance_decisionversion`` counts changes. Deferred constraint triggers on every table a decision
reads bump it and send ``pg_notify('modelgate_decisions', '<version>:<table>')``, which PostgreSQL delivers only
after the transaction commits (and never for one that rolls back). Each process's listener learns the new version
from the notification, or by re-reading the row, and drops what it cached under older versions
(governance/decisions/cache.py).

Why deferred row triggers rather than a plain statement trigger: the bump takes the counter row's lock, held until
commit. Deferred to commit time, that lock is held for the last moment of a transaction only, so a long catalog
sync does not hold up an entitlement revoke for its whole duration. A transaction-local setting makes the first
trigger that fires at commit do the work and the others return at once. An UPDATE that changes only bookkeeping
columns (updated_at, last_used_at, last_seen_at, expiry_reminded_at) does not count as a change.
"""

from django.db import migrations

TABLES = [
    "governance_entitlement",
    "governance_team",
    "governance_usecase",
    "governance_policyversion",
    "governance_apitoken",
    "catalog_aimodel",
    "catalog_modelalias",
    "catalog_license",
    "catalog_lineageedge",
    "catalog_provenanceclaim",
    "catalog_offering",
    "catalog_price",
    "catalog_benchmark",
    "catalog_benchmarkresult",
]
IGNORED_COLUMNS = "ARRAY['updated_at', 'last_used_at', 'last_seen_at', 'expiry_reminded_at']"

FUNCTION = """
CREATE TABLE governance_decisionversion (
    id smallint PRIMARY KEY CHECK (id = 1),
    value bigint NOT NULL,
    changed_at timestamptz NOT NULL
);
COMMENT ON TABLE governance_decisionversion IS
    'One row: a counter bumped on commit of any change a runtime decision depends on (decision cache version).';
INSERT INTO governance_decisionversion (id, value, changed_at) VALUES (1, 1, now());

CREATE FUNCTION governance_decisions_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    new_value bigint;
BEGIN
    -- Once per transaction: every deferred row trigger fires at commit and only the first needs to bump.
    IF current_setting('modelgate.decisions_changed', true) = 'on' THEN
        RETURN NULL;
    END IF;
    PERFORM set_config('modelgate.decisions_changed', 'on', true);
    UPDATE governance_decisionversion SET value = value + 1, changed_at = now() WHERE id = 1
        RETURNING value INTO new_value;
    -- Delivered to listeners only when (and if) this transaction commits.
    PERFORM pg_notify('modelgate_decisions', new_value::text || ':' || TG_TABLE_NAME);
    RETURN NULL;
END;
$$;
"""

DROP_FUNCTION = """
DROP FUNCTION IF EXISTS governance_decisions_changed() CASCADE;
DROP TABLE IF EXISTS governance_decisionversion;
"""


def triggers(table: str) -> str:
    return f"""
CREATE CONSTRAINT TRIGGER decisions_changed_insert_delete AFTER INSERT OR DELETE ON {table}
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION governance_decisions_changed();
CREATE CONSTRAINT TRIGGER decisions_changed_update AFTER UPDATE ON {table}
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
    WHEN ((to_jsonb(OLD) - {IGNORED_COLUMNS}) IS DISTINCT FROM (to_jsonb(NEW) - {IGNORED_COLUMNS}))
    EXECUTE FUNCTION governance_decisions_changed();
CREATE TRIGGER decisions_changed_truncate AFTER TRUNCATE ON {table}
    FOR EACH STATEMENT EXECUTE FUNCTION governance_decisions_changed();
"""


def drop_triggers(table: str) -> str:
    return f"""
DROP TRIGGER IF EXISTS decisions_changed_insert_delete ON {table};
DROP TRIGGER IF EXISTS decisions_changed_update ON {table};
DROP TRIGGER IF EXISTS decisions_changed_truncate ON {table};
"""


class Migration(migrations.Migration):
    dependencies = [
        ("governance", "0003_api_tokens"),
        ("catalog", "0001_initial"),
    ]

    operations = [
        migrations.RunSQL(FUNCTION, DROP_FUNCTION),
        *[migrations.RunSQL(triggers(table), drop_triggers(table)) for table in TABLES],
    ]

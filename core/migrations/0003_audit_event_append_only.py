"""The audit table is append-only in the database itself, not just in the application.

Row triggers refuse UPDATE and DELETE; a statement trigger refuses TRUNCATE (row triggers do not fire on it). The
one exception is a session that has set ``modelgate.audit_allow_truncate = on``: the test runner empties every table
between transactional tests with a single TRUNCATE, and only the test settings turn it on (core.models). Anyone able
to set it could also ``ALTER TABLE ... DISABLE TRIGGER`` as the table's owner; the hash chain is what exposes such
edits (``verify_audit``).
"""

from django.db import migrations

FORWARD = """
CREATE FUNCTION core_auditevent_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' AND current_setting('modelgate.audit_allow_truncate', true) = 'on' THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'core_auditevent is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege',
              HINT = 'Audit events are never changed or removed; record a new event instead.';
END;
$$;

CREATE TRIGGER core_auditevent_no_update_delete
    BEFORE UPDATE OR DELETE ON core_auditevent
    FOR EACH ROW EXECUTE FUNCTION core_auditevent_refuse_change();

CREATE TRIGGER core_auditevent_no_truncate
    BEFORE TRUNCATE ON core_auditevent
    FOR EACH STATEMENT EXECUTE FUNCTION core_auditevent_refuse_change();
"""

REVERSE = """
DROP TRIGGER IF EXISTS core_auditevent_no_truncate ON core_auditevent;
DROP TRIGGER IF EXISTS core_auditevent_no_update_delete ON core_auditevent;
DROP FUNCTION IF EXISTS core_auditevent_refuse_change();
"""


class Migration(migrations.Migration):
    dependencies = [("core", "0002_audit_event_outbox_message")]

    operations = [migrations.RunSQL(FORWARD, REVERSE)]

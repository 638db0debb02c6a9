"""The decision cache's version ignores the two price columns of catalog_aimodel (catalog migration 0004).

``input_price`` and ``output_price`` are derived: PostgreSQL writes them only from the triggers on catalog_price and
catalog_offering, inside the transaction that changed a price or an offering, and those two tables already bump
the version for that change (governance migration 0004). Counting the model row as well would add nothing a
decision could miss, but would queue one more deferred trigger event per model a bulk price load touches (100k
for a generated catalog). Decisions do not read these columns either: policy facts read catalog_price itself
(governance/policy/facts.py). So an UPDATE of catalog_aimodel that changes only bookkeeping columns or these two
does not count as a change; the trigger is redefined for that table only, every other table keeps its own.
"""

from django.db import migrations

IGNORED_COLUMNS = "ARRAY['updated_at', 'last_used_at', 'last_seen_at', 'expiry_reminded_at']"
MODEL_IGNORED_COLUMNS = (
    "ARRAY['updated_at', 'last_used_at', 'last_seen_at', 'expiry_reminded_at', 'input_price', 'output_price']"
)


def update_trigger(ignored: str) -> str:
    return f"""
DROP TRIGGER decisions_changed_update ON catalog_aimodel;
CREATE CONSTRAINT TRIGGER decisions_changed_update AFTER UPDATE ON catalog_aimodel
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
    WHEN ((to_jsonb(OLD) - {ignored}) IS DISTINCT FROM (to_jsonb(NEW) - {ignored}))
    EXECUTE FUNCTION governance_decisions_changed();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("governance", "0005_token_scope_governance_read"),
        ("catalog", "0004_cheapest_prices"),
    ]

    operations = [
        migrations.RunSQL(update_trigger(MODEL_IGNORED_COLUMNS), update_trigger(IGNORED_COLUMNS)),
    ]

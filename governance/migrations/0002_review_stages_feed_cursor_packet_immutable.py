"""Seed the three review stages, add the re-review job's feed cursor, and make approval packets immutable."""

from django.db import migrations, models

# Natural key: slug. Re-running (or a stage edited in the admin since) never overwrites what people changed.
STAGES = [
    ("security", "Security", "Data handling, hosting, vendor security posture, prompt and output risks.", 5, 10),
    ("legal", "Legal and privacy", "Licence terms, data protection (GDPR, DPA), EU AI Act obligations.", 10, 20),
    ("procurement", "Procurement", "Vendor contract, pricing, budget and spend commitments.", 10, 30),
]


def seed_stages(apps, schema_editor):
    ReviewStage = apps.get_model("governance", "ReviewStage")
    for slug, name, description, sla_days, position in STAGES:
        ReviewStage.objects.get_or_create(
            slug=slug, defaults={"name": name, "description": description, "sla_days": sla_days, "position": position}
        )


# A packet is evidence of what was known at approval: once written it may be neither changed nor deleted, whatever
# the client (ORM, admin, raw SQL). TRUNCATE is left alone: the test runner flushes tables with it.
PACKET_IMMUTABLE = """
CREATE OR REPLACE FUNCTION governance_approvalpacket_immutable() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'approval packets are immutable (% refused on packet %)', TG_OP, OLD.id
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER governance_approvalpacket_immutable
    BEFORE UPDATE OR DELETE ON governance_approvalpacket
    FOR EACH ROW EXECUTE FUNCTION governance_approvalpacket_immutable();
"""
PACKET_MUTABLE = """
DROP TRIGGER IF EXISTS governance_approvalpacket_immutable ON governance_approvalpacket;
DROP FUNCTION IF EXISTS governance_approvalpacket_immutable();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("governance", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="FeedCursor",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("name", models.SlugField(max_length=100, unique=True)),
                ("last_id", models.BigIntegerField(default=0)),
                ("updated_at", models.DateTimeField(auto_now=True)),
            ],
            options={
                "ordering": ["name"],
            },
        ),
        migrations.RunPython(seed_stages, migrations.RunPython.noop),
        migrations.RunSQL(PACKET_IMMUTABLE, PACKET_MUTABLE),
    ]

"""The audit trail stays append-only against TRUNCATE too (PostgreSQL; nothing on SQLite).

Row-level triggers (0002) do not fire on TRUNCATE, so a statement-level BEFORE TRUNCATE trigger refuses it,
also when another table's TRUNCATE … CASCADE reaches the audit table. A deliberate reset of a whole
database (`manage.py flush` by `load_demo --reset`, the test harness between transactional tests) sets the
session setting `renewal.allow_truncate` = 'on' first. That is no way around the guard for the application:
its role (docs/DATABASE.md) holds no TRUNCATE privilege and does not own the table, so it can neither
truncate nor disable the trigger.
"""

from django.db import migrations

TRUNCATE_TRIGGER = """
CREATE OR REPLACE FUNCTION renewal_auditevent_no_truncate() RETURNS trigger AS $$
BEGIN
    IF coalesce(current_setting('renewal.allow_truncate', true), '') = 'on' THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'renewal_auditevent is append-only (审计记录只能追加): TRUNCATE refused';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER renewal_auditevent_no_truncate
    BEFORE TRUNCATE ON renewal_auditevent
    FOR EACH STATEMENT EXECUTE FUNCTION renewal_auditevent_no_truncate();
"""
DROP_TRUNCATE_TRIGGER = """
DROP TRIGGER IF EXISTS renewal_auditevent_no_truncate ON renewal_auditevent;
DROP FUNCTION IF EXISTS renewal_auditevent_no_truncate();
"""


def add_truncate_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(TRUNCATE_TRIGGER)


def drop_truncate_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_TRUNCATE_TRIGGER)


class Migration(migrations.Migration):
    dependencies = [
        ("renewal", "0006_deadline_project_and_outcome"),
    ]

    operations = [
        migrations.RunPython(add_truncate_trigger, drop_truncate_trigger),
    ]

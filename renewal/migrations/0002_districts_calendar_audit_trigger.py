"""Reference data every installation needs, and the database-level guard of the audit trail."""

from django.db import migrations


def add_districts(apps, schema_editor):
    from renewal.reference import ensure_districts

    ensure_districts(apps.get_model("renewal", "District"))


def seed_calendar(apps, schema_editor):
    from renewal.reference import ensure_calendar

    ensure_calendar(apps.get_model("renewal", "CalendarYear"), apps.get_model("renewal", "WorkCalendarDay"))


AUDIT_TRIGGER = """
CREATE OR REPLACE FUNCTION renewal_auditevent_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'renewal_auditevent is append-only (审计记录只能追加)';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER renewal_auditevent_no_update_delete
    BEFORE UPDATE OR DELETE ON renewal_auditevent
    FOR EACH ROW EXECUTE FUNCTION renewal_auditevent_append_only();
"""
DROP_AUDIT_TRIGGER = """
DROP TRIGGER IF EXISTS renewal_auditevent_no_update_delete ON renewal_auditevent;
DROP FUNCTION IF EXISTS renewal_auditevent_append_only();
"""


def add_audit_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(AUDIT_TRIGGER)


def drop_audit_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_AUDIT_TRIGGER)


class Migration(migrations.Migration):
    dependencies = [("renewal", "0001_initial")]

    operations = [
        migrations.RunPython(add_districts, migrations.RunPython.noop),
        migrations.RunPython(seed_calendar, migrations.RunPython.noop),
        migrations.RunPython(add_audit_trigger, drop_audit_trigger),
    ]

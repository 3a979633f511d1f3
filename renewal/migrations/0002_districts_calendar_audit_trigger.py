"""Reference data every installation needs, and the database-level guard of the audit trail."""

from django.db import migrations

DISTRICTS = [
    ("110101", "东城区", "东城"), ("110102", "西城区", "西城"), ("110105", "朝阳区", "朝阳"),
    ("110106", "丰台区", "丰台"), ("110107", "石景山区", "石景山"), ("110108", "海淀区", "海淀"),
    ("110109", "门头沟区", "门头沟"), ("110111", "房山区", "房山"), ("110112", "通州区", "通州"),
    ("110113", "顺义区", "顺义"), ("110114", "昌平区", "昌平"), ("110115", "大兴区", "大兴"),
    ("110116", "怀柔区", "怀柔"), ("110117", "平谷区", "平谷"), ("110118", "密云区", "密云"),
    ("110119", "延庆区", "延庆"), ("BDA", "北京经济技术开发区", "经开区"),
]

# The calendar years seeded at install time; `manage.py seed_calendar` adds later ones.
SEED_YEARS = range(2020, 2028)


def add_districts(apps, schema_editor):
    District = apps.get_model("renewal", "District")
    for code, name, short in DISTRICTS:
        District.objects.get_or_create(code=code, defaults={"name": name, "short_name": short})


def seed_calendar(apps, schema_editor):
    from renewal.calendar_seed import seed_years

    seed_years(apps.get_model("renewal", "CalendarYear"), apps.get_model("renewal", "WorkCalendarDay"), SEED_YEARS)


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

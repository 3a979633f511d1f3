"""Issue 10 item 11 (联合审查办法 第十二条): planning reviews every plan ((三)); 科技 joins 经信 for industrial
land ((四)); water, accessibility (区残联) and business-change rules ((七)(八)); the default department for
unregistered buildings is retired — the district government designates it ((七))."""

from django.db import migrations


def load_rules(apps, schema_editor):
    from review.reference import ensure_reference_data

    ensure_reference_data(apps)


class Migration(migrations.Migration):
    dependencies = [("review", "0010_issue10_routing_department_choices")]

    operations = [migrations.RunPython(load_rules, migrations.RunPython.noop)]

from django.db import migrations


def load_rules(apps, schema_editor):
    from review.reference import ensure_reference_data

    ensure_reference_data(apps)


class Migration(migrations.Migration):
    dependencies = [("review", "0001_initial")]

    operations = [migrations.RunPython(load_rules, migrations.RunPython.noop)]

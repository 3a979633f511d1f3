from django.db import migrations


def load_catalogue(apps, schema_editor):
    from projects.reference import ensure_reference_data

    ensure_reference_data(apps)


class Migration(migrations.Migration):
    dependencies = [("projects", "0002_sports_department")]

    operations = [migrations.RunPython(load_catalogue, migrations.RunPython.noop)]

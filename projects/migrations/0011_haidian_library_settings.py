"""Haidian's admission notices keep citing its own guidance; every other district gets the default basis
(issue 10 item 8: the notice cites the basis configured for the district)."""

from django.db import migrations

HAIDIAN_BASIS = "《海淀区城市更新实施指引（2025年版）》（海政发〔2025〕4号）三(一)规定"


def forwards(apps, schema_editor):
    District = apps.get_model("renewal", "District")
    Settings = apps.get_model("projects", "DistrictLibrarySettings")
    for district in District.objects.filter(code="110108"):
        Settings.objects.get_or_create(district=district, defaults={"admission_basis": HAIDIAN_BASIS})


class Migration(migrations.Migration):
    dependencies = [
        ("projects", "0010_removed_stage"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]

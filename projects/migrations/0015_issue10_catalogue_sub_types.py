"""Issue 10 item 19: the sub-types the Haidian guidance (二) names that the catalogue lacked — 绿色慢行交通改造,
适老化、适儿化无障碍环境改造, 黑臭水体治理, 生态清洁小流域建设, 土壤污染状况调查, 稳妥清理不规范地名,
城市文化遗产资源调查 — with their lead departments (editable in admin afterwards)."""

from django.db import migrations


def load_catalogue(apps, schema_editor):
    from projects.reference import ensure_reference_data

    ensure_reference_data(apps)


class Migration(migrations.Migration):
    dependencies = [("projects", "0014_department_code_disabled_federation")]

    operations = [migrations.RunPython(load_catalogue, migrations.RunPython.noop)]

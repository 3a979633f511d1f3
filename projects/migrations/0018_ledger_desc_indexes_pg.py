"""Descending, empty-values-last indexes for the ledger's sorts (issue 16), on PostgreSQL only.

ProjectOrderingFilter sorts `x DESC NULLS LAST, id`; a plain index read backwards gives NULLS FIRST, so
PostgreSQL needs these to read a page off an index. SQLite refuses NULLS LAST in an index (and its DESC
already puts NULLs last), so nothing is done there.
"""

from django.db import migrations

COLUMNS = ("code", "name", "total_investment", "received_on", "admitted_on")


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for column in COLUMNS:
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS "project_{column}_desc" '
            f'ON "projects_project" ("{column}" DESC NULLS LAST)'
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for column in COLUMNS:
        schema_editor.execute(f'DROP INDEX IF EXISTS "project_{column}_desc"')


class Migration(migrations.Migration):
    dependencies = [("projects", "0017_ledger_sort_indexes")]

    operations = [migrations.RunPython(create, drop, elidable=False)]

"""Drafts that already name another organisation as 统筹主体 wait for its confirmation like new ones;
applications already submitted keep going (they were filed before the rule)."""

from django.db import migrations
from django.db.models import F


def propose_for_drafts(apps, schema_editor):
    Project = apps.get_model("projects", "Project")
    (
        Project.objects.filter(stage="draft", coordinating_entity__isnull=False)
        .exclude(coordinating_entity=F("implementing_entity"))
        .update(coordination_state="proposed")
    )


class Migration(migrations.Migration):
    dependencies = [("projects", "0007_intake_coordination")]

    operations = [migrations.RunPython(propose_for_drafts, migrations.RunPython.noop)]

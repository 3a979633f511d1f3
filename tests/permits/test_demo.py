"""The permits demo: one project in each stage, made through the services; safe to re-run."""

import io

import pytest

from permits import demo
from projects.choices import Stage
from projects.models import Project
from renewal import demo as kernel_demo
from renewal.models import Deadline

pytestmark = pytest.mark.django_db


def test_demo_has_a_project_in_each_stage(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    out = io.StringIO()
    context = kernel_demo.load(out, context={}) or {}
    made = demo.load(out, context=context)
    stages = set(Project.objects.filter(pk__in=made["permits_projects"]).values_list("stage", flat=True))
    assert stages == {Stage.PERMITS, Stage.CONSTRUCTION, Stage.COMPLETION, Stage.COMPLETED, Stage.EXITED}
    building = Project.objects.get(stage=Stage.CONSTRUCTION, pk__in=made["permits_projects"])
    months = Deadline.objects.filter(kind="monthly_investment_report", project_object_id=building.pk)
    assert months.filter(late_workdays__gt=0).exists()  # one report late
    assert months.filter(state="open").exists()  # and a month not reported
    assert demo.load(out, context=context) == {}  # re-run: nothing new

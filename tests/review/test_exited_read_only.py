"""An exited project is read-only in the review app too (issue 11; 《海淀区城市更新实施指引（2025年版）》五(七)):
every review table carries the kernel's `read_only=project_exited` guard, so no step on its plan, reviews or
notices is offered or taken."""

import datetime

import pytest

from projects.choices import Library, Stage
from projects.models import Project
from renewal.workflow import TransitionRefused
from review import services, workflows
from review.models import ImplementationPlan
from tests.review.helpers import World

pytestmark = pytest.mark.django_db

MESSAGE = "项目已于2026年3月4日退出项目库，只读"


@pytest.fixture
def world():
    return World()


def exit_project(plan) -> ImplementationPlan:
    Project.objects.filter(pk=plan.project_id).update(
        stage=Stage.EXITED, library=Library.EXITED, library_exit_on=datetime.date(2026, 3, 4)
    )
    return ImplementationPlan.objects.select_related("project").get(pk=plan.pk)


def test_no_step_on_the_plan_of_an_exited_project_is_offered(world):
    plan = exit_project(world.submitted_plan())
    rows = workflows.PLAN.available_for(world.staff, plan)
    assert rows and {row.reason for row in rows} == {MESSAGE}
    assert {row.reason for row in workflows.PLAN.available_for(world.entity, plan)} == {MESSAGE}


def test_a_step_on_the_plan_of_an_exited_project_is_refused(world):
    plan = exit_project(world.submitted_plan())
    with pytest.raises(TransitionRefused) as refused:
        services.return_for_revision(plan, actor=world.staff, items=["补充交通组织方案"])
    assert refused.value.message == MESSAGE


def test_every_review_table_has_the_guard():
    tables = [t for t in vars(workflows).values() if isinstance(t, workflows.Workflow)]
    assert len(tables) >= 9
    assert all(table.read_only is not None for table in tables)

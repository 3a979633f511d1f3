"""An exited project is read-only everywhere (issue 11; 《海淀区城市更新实施指引（2025年版）》五(七)): the kernel's
`Workflow(read_only=…)` guard refuses every step of the project's tables, `move_stage` refuses to move it,
and the buttons and API say why."""

import datetime

import pytest

from projects import library, services
from projects.choices import Library, Stage
from projects.readonly import project_exited
from renewal.choices import Role
from renewal.workflow import TransitionRefused
from tests import factories as kernel
from tests.projects.factories import ProjectFactory

pytestmark = pytest.mark.django_db

EXITED_ON = datetime.date(2026, 3, 4)
MESSAGE = "项目已于2026年3月4日退出项目库，只读"


@pytest.fixture
def exited():
    district = kernel.district("110108")
    return ProjectFactory(
        district=district, stage=Stage.EXITED, library=Library.EXITED, library_exit_on=EXITED_ON
    )


def test_the_guard_names_the_exit_date(exited):
    assert project_exited(exited) == MESSAGE
    exited.library_exit_on = None
    assert project_exited(exited) == "项目已退出项目库，只读"
    exited.stage = Stage.COMPLETED
    assert project_exited(exited) is None


def test_every_library_step_on_an_exited_project_is_refused_with_the_exit_date(exited):
    staff = kernel.user(Role.STAFF)
    rows = library.LIBRARY.available_for(staff, exited)
    assert rows and all(not row.allowed and row.reason == MESSAGE for row in rows)
    with pytest.raises(TransitionRefused) as refused:
        library.LIBRARY.apply(exited, "report_to_city", actor=staff, reported_on=EXITED_ON)
    assert refused.value.message == MESSAGE


def test_intake_tables_refuse_too(exited):
    staff = kernel.user(Role.STAFF)
    for table in (services.INTAKE, services.INTAKE_COORDINATION):
        assert {row.reason for row in table.available_for(staff, exited)} == {MESSAGE}


def test_move_stage_refuses_to_move_an_exited_project(exited):
    staff = kernel.user(Role.STAFF)
    with pytest.raises(TransitionRefused) as refused:
        services.move_stage(exited, stage=Stage.PLAN_DRAFTING, actor=staff)
    assert refused.value.message == MESSAGE
    # Asking for the stage it is in still changes and records nothing.
    assert services.move_stage(exited, stage=Stage.EXITED, actor=staff).stage == Stage.EXITED


def test_the_exit_itself_still_moves_a_completed_project(exited):
    exited.stage = Stage.COMPLETED
    exited.save(update_fields=["stage"])
    moved = services.move_stage(exited, stage=Stage.EXITED, actor=None, reason="五(七)")
    assert moved.stage == Stage.EXITED

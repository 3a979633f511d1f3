"""“谁审查、谁监管” (联合审查办法 第十五条): an issued joint-review opinion creates one supervision task per
department that reviewed the plan, linked to the project, once."""

import pytest

from review import services as review
from review.choices import Decision
from review.models import DepartmentReview
from supervision.choices import SourceType, TaskState
from supervision.models import SupervisionTask
from tests.review.helpers import World

pytestmark = pytest.mark.django_db


def test_opinion_creates_one_task_per_reviewing_department(django_capture_on_commit_callbacks):
    w = World()
    with django_capture_on_commit_callbacks(execute=True):
        plan = review.start_joint_review(w.submitted_plan(), actor=w.staff)
        for item in DepartmentReview.objects.filter(review_round__plan=plan):
            review.record_decision(item, actor=w.reviewer_of(item), decision=Decision.AGREE, text="")
        assert not SupervisionTask.objects.exists()
        plan = review.issue_opinion(plan, actor=w.staff)
    departments = set(
        DepartmentReview.objects.filter(review_round__plan=plan, is_active=True).values_list(
            "department", flat=True
        )
    )
    tasks = SupervisionTask.objects.filter(origin__startswith=f"plan:{plan.pk}:")
    assert len(departments) >= 1 and tasks.count() == len(departments)
    assert {task.lead_unit.pk for task in tasks} == departments
    for task in tasks:
        assert len(task.ordered_units()) == 1
        assert list(task.projects.all()) == [plan.project]
        assert task.source_type == SourceType.JOINT_REVIEW and task.state == TaskState.ACTIVE
        assert task.content.startswith("依据本部门审查意见对项目实施进行监督管理")
        assert task.district == plan.project.district
    # The department's reviewer finds it among their own tasks.
    reviewer = w.reviewer_of(DepartmentReview.objects.filter(review_round__plan=plan).first())
    assert (
        SupervisionTask.objects.visible_to(reviewer).filter(origin__startswith=f"plan:{plan.pk}:").count()
        == 1
    )


def test_reaction_is_registered_and_idempotent(django_capture_on_commit_callbacks):
    from renewal.models import AuditEvent
    from renewal.reactions import reactions_for
    from supervision.reactions import create_review_supervision_tasks

    assert create_review_supervision_tasks in reactions_for("plan.issue_opinion")
    w = World()
    with django_capture_on_commit_callbacks(execute=True):
        plan = w.opinion_issued_plan()
    count = SupervisionTask.objects.count()
    assert count >= 1
    create_review_supervision_tasks(AuditEvent.objects.filter(action="plan.issue_opinion").latest("pk"))
    assert SupervisionTask.objects.count() == count
    assert plan.project.supervision_tasks.count() == count

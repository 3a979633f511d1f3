"""“谁审查、谁监管” (联合审查办法 第十五条): when a joint-review opinion is issued, each district department
that reviewed the plan supervises the project's implementation according to its own opinion, so the portal
creates one supervision task per department, linked to the project (a reaction to "plan.issue_opinion")."""

from __future__ import annotations

from renewal.reactions import react_to
from supervision.choices import SourceType

OPINION_ISSUED = "plan.issue_opinion"
LIST_TITLE = "{year}年“谁审查、谁监管”联合审查项目监管事项"
BASIS = "《北京市城市更新实施方案联合审查管理办法（试行）》第十五条"


@react_to(OPINION_ISSUED)
def create_review_supervision_tasks(event) -> None:
    from review.models import DepartmentReview, ImplementationPlan
    from supervision import services
    from supervision.models import SupervisionTask

    plan = ImplementationPlan.objects.select_related("project__district").filter(pk=event.object_id).first()
    if plan is None:
        return
    project = plan.project
    reviews = (
        DepartmentReview.objects.filter(review_round__plan=plan, is_active=True)
        .select_related("department")
        .order_by("department__name")
    )
    departments = list(dict.fromkeys(review.department for review in reviews))
    if not departments:
        return
    year = event.created_at.year
    supervision_list = services.create_list(
        actor=None,
        district=project.district,
        title=LIST_TITLE.format(year=year),
        year=year,
        source_document=BASIS,
    )
    for department in departments:
        origin = f"plan:{plan.pk}:department:{department.pk}"
        if SupervisionTask.objects.filter(origin=origin).exists():
            continue  # one task per department and plan, however often the opinion is reissued
        number = str(supervision_list.tasks.count() + 1)
        while supervision_list.tasks.filter(number=number).exists():
            number = str(int(number) + 1)
        services.create_task(
            supervision_list,
            services.TaskData(
                number=number,
                source=f"联合审查意见（{project}）",
                source_type=SourceType.JOINT_REVIEW,
                content=f"依据本部门审查意见对项目实施进行监督管理：{project}",
                units=(department,),
                position=int(number),
            ),
            actor=None,
            origin=origin,
            projects=[project],
        )

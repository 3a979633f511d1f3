"""Who the project library's steps notify (issue 12, DOMAIN.md §5), as reactions to committed audit events.

- the entity: 补正 requested, admitted (入库, with the admission notice), 不予入库, moved to the
  implementation library;
- the departments a new application is routed to (入库联合审查, 海淀指引 三(一));
- the district's staff: an application (or its 补正 answer) arrives, a department disagrees;
- the organisation named as 统筹主体 is asked to confirm.
Registered from ProjectsConfig.ready(); nothing here runs inside the step's transaction.
"""

from __future__ import annotations

from projects.choices import Opinion
from projects.models import IntakeOpinion, Project
from renewal import notifications as n
from renewal.reactions import react_to


def _project(event) -> Project | None:
    obj = n.subject_of(event)
    return obj if isinstance(obj, Project) else getattr(obj, "project", None)


def _label(project: Project) -> str:
    return f"{project.code} {project.name}".strip()


@react_to("intake.request_supplement")
def supplement_requested(event):
    project = _project(event)
    if project is not None:
        n.notify(
            n.owners_of(project),
            verb=event.action,
            text=f"项目“{_label(project)}”需补正材料：{event.reason[:120]}",
            link=project.get_absolute_url(),
            obj=project,
        )


ENTITY_MESSAGES = {
    "intake.admit": "项目“{label}”已纳入储备项目库，入库通知书已制发。",
    "intake.reject": "项目“{label}”不予入库。理由：{reason}",
    "intake.move_to_implementation": "项目“{label}”已转入实施项目库。",
}


@react_to(*ENTITY_MESSAGES)
def decided(event):
    project = _project(event)
    if project is not None:
        text = ENTITY_MESSAGES[event.action].format(label=_label(project), reason=event.reason[:120])
        n.notify(
            n.owners_of(project), verb=event.action, text=text, link=project.get_absolute_url(), obj=project
        )


@react_to("intake.route")
def routed(event):
    project = _project(event)
    if project is None:
        return
    pending = IntakeOpinion.objects.filter(project=project, opinion=Opinion.PENDING).values_list(
        "department_id", flat=True
    )
    n.notify(
        n.reviewers_of(pending),
        verb=event.action,
        text=f"请对入库申请“{_label(project)}”提出审查意见。",
        link=project.get_absolute_url(),
        obj=project,
    )


@react_to("intake.submit", "intake.resubmit")
def arrived(event):
    project = _project(event)
    if project is not None:
        what = "补正材料" if event.action == "intake.resubmit" else "入库申请"
        n.notify(
            n.except_actor(n.district_staff(project.district_id), event),
            verb=event.action,
            text=f"收到{what}：{_label(project)}",
            link=project.get_absolute_url(),
            obj=project,
        )


@react_to("intake_opinion.decide")
def department_answered(event):
    opinion = n.subject_of(event)
    if not isinstance(opinion, IntakeOpinion) or opinion.opinion != Opinion.DISAGREE:
        return
    project = opinion.project
    n.notify(
        n.district_staff(project.district_id),
        verb=event.action,
        text=f"{opinion.department}对入库申请“{_label(project)}”提出不同意意见。",
        link=project.get_absolute_url(),
        obj=project,
    )


@react_to("intake_coordination.propose")
def coordinator_asked(event):
    project = _project(event)
    if project is not None and project.coordinating_entity_id:
        n.notify(
            n.users_of(organizations=(project.coordinating_entity_id,)),
            verb=event.action,
            text=f"{project.implementing_entity}请贵单位确认担任项目“{project.name}”的统筹主体。",
            link=project.get_absolute_url(),
            obj=project,
        )

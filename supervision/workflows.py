"""The supervision task's workflow table (issue 15): created, assigned to units, asked for this round's
update, progress reported, completed, reopened. Services run it; pages and the API draw buttons from it."""

from __future__ import annotations

from renewal.choices import Role
from renewal.workflow import Transition, Workflow
from supervision.choices import DEADLINE_TASK_DUE, TaskState

OFFICE_ONLY = "只有本区督查室可以{}。"


def is_office(user, task) -> bool:
    """The district's supervision office (督查室), or an administrator."""
    if user.role == Role.ADMINISTRATOR or user.is_superuser:
        return True
    return user.role == Role.SUPERVISION and user.district_id == task.district_id


def is_unit(user, task) -> bool:
    """A user of one of the task's responsible units."""
    return (
        user.organization_id is not None
        and task.unit_links.filter(organization_id=user.organization_id).exists()
    )


def has_units(task, **context) -> str | None:
    return None if task.unit_links.exists() else "尚未指定主责单位"


def has_progress_text(task, text: str | None = None, **context) -> str | None:
    if text is None:
        return None
    return None if text.strip() else "未填写进展情况"


TASK = Workflow(
    name="supervision_task",
    state_field="state",
    state_labels=dict(TaskState.choices),
    transitions=[
        Transition(
            "create",
            "建立督查事项",
            (TaskState.NEW,),
            TaskState.NEW,
            actor=is_office,
            actor_refusal=OFFICE_ONLY.format("建立督查事项"),
        ),
        Transition(
            "assign",
            "指定主责单位",
            (TaskState.NEW, TaskState.ACTIVE),
            TaskState.ACTIVE,
            guards=(has_units,),
            actor=is_office,
            actor_refusal=OFFICE_ONLY.format("指定主责单位"),
            opens=(DEADLINE_TASK_DUE,),
            closes=(DEADLINE_TASK_DUE,),
        ),
        Transition(
            "request_update",
            "催报本轮进展",
            (TaskState.ACTIVE,),
            None,
            actor=is_office,
            actor_refusal=OFFICE_ONLY.format("催报进展"),
        ),
        Transition(
            "report",
            "填报进展",
            (TaskState.ACTIVE, TaskState.NEW),
            None,
            guards=(has_progress_text,),
            actor=is_unit,
            actor_refusal="只有本事项的主责单位可以填报进展。",
        ),
        Transition(
            "complete",
            "办结",
            (TaskState.ACTIVE,),
            TaskState.COMPLETED,
            actor=is_office,
            actor_refusal=OFFICE_ONLY.format("办结督查事项"),
            closes=(DEADLINE_TASK_DUE,),
            confirm="办结后完成时限关闭，逾期与否按今日计。确认办结？",
        ),
        Transition(
            "reopen",
            "重新督办",
            (TaskState.COMPLETED,),
            TaskState.ACTIVE,
            reason_required=True,
            actor=is_office,
            actor_refusal=OFFICE_ONLY.format("重新督办"),
            opens=(DEADLINE_TASK_DUE,),
        ),
    ],
)

"""Who the supervision steps notify (issue 15), as reactions to committed audit events: the responsible
units' users when a task is assigned to them or this round's update is asked for; the office when a
unit writes its progress. Registered from SupervisionConfig.ready()."""

from __future__ import annotations

from renewal import notifications as n
from renewal.choices import Role
from renewal.reactions import react_to
from supervision.models import SupervisionTask

UNIT_MESSAGES = {
    "supervision_task.assign": "督查事项“{label}”已由贵单位承办，请按时报送进展。",
    "supervision_task.request_update": "请报送督查事项“{label}”本轮进展情况。",
}


def _task(event) -> SupervisionTask | None:
    obj = n.subject_of(event)
    return obj if isinstance(obj, SupervisionTask) else None


def _label(task) -> str:
    return f"{task.supervision_list.title} 第{task.number}项"


@react_to(*UNIT_MESSAGES)
def units_told(event):
    task = _task(event)
    if task is None:
        return
    text = UNIT_MESSAGES[event.action].format(label=_label(task))
    users = n.users_of(organizations=task.ordered_units())
    n.notify(users, verb=event.action, text=text, link=task.get_absolute_url(), obj=task)


@react_to("supervision_task.report")
def office_told(event):
    task = _task(event)
    if task is None:
        return
    office = n.district_staff(task.district_id, roles=(Role.SUPERVISION,))
    text = f"督查事项“{_label(task)}”有新的进展报送。"
    n.notify(office, verb=event.action, text=text, link=task.get_absolute_url(), obj=task, email=False)

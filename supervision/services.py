"""Steps on supervision lists and tasks. Every state change runs the workflow table (supervision.workflows);
the 完成时限 is a kernel deadline row (supervision.deadlines), lit and swept like every other."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from renewal import calendar as workdays
from renewal.choices import DeadlineState
from renewal.models import Deadline
from renewal.services import close_deadlines, open_deadline, record_event
from renewal.workflow import TransitionRefused
from supervision.choices import DEADLINE_TASK_DUE, TaskState, guess_source_type
from supervision.models import ProgressEntry, SupervisionList, SupervisionTask, TaskUnit
from supervision.workflows import TASK, is_office, is_unit


def create_list(*, actor, district, title: str, year: int, source_document: str = "", headers=None):
    """A new list of the district (or the existing one of that title)."""
    title = title.strip()
    supervision_list, created = SupervisionList.objects.get_or_create(
        district=district,
        title=title,
        defaults={
            "year": year,
            "source_document": source_document,
            "created_by": actor if actor is not None and actor.is_authenticated else None,
            "headers": list(headers or []),
        },
    )
    if created:
        record_event(actor=actor, action="supervision_list.create", obj=supervision_list, district=district)
    return supervision_list


@dataclass
class TaskData:
    number: str
    content: str
    source: str = ""
    source_type: str = ""
    units: tuple = ()  # organisations, lead first
    units_text: str = ""
    due_date: datetime.date | None = None
    due_text: str = ""
    position: int = 0


def create_task(supervision_list, data: TaskData, *, actor, origin: str = "", projects=()) -> SupervisionTask:
    """建立督查事项, then 指定主责单位 when units are given (which opens the 完成时限)."""
    with transaction.atomic():
        task = SupervisionTask(
            supervision_list=supervision_list,
            district=supervision_list.district,
            number=data.number,
            position=data.position,
            source=data.source,
            source_type=data.source_type or guess_source_type(data.source),
            content=data.content,
            units_text=data.units_text,
            due_date=data.due_date,
            due_text=data.due_text,
            origin=origin,
        )
        if actor is not None and not is_office(actor, task):
            raise TransitionRefused(TASK.get("create").actor_refusal)
        task.save()
        if projects:
            task.projects.set(projects)
        task = TASK.apply(task, "create", actor=actor)
        if data.units:
            task = assign(
                task, units=data.units, due_date=data.due_date, actor=actor, units_text=data.units_text
            )
    return task


def update_task(task, data: TaskData, *, actor) -> SupervisionTask:
    """A re-imported row: the text as written now; units and date through 指定主责单位 when they changed."""
    with transaction.atomic():
        SupervisionTask.objects.filter(pk=task.pk).update(
            source=data.source,
            source_type=data.source_type or task.source_type,
            content=data.content,
            units_text=data.units_text,
            due_text=data.due_text,
            position=data.position,
        )
        task.refresh_from_db()
        units_changed = [u.pk for u in data.units] != [u.pk for u in task.ordered_units()]
        if (
            task.state != TaskState.COMPLETED
            and data.units
            and (units_changed or data.due_date != task.due_date)
        ):
            task = assign(
                task, units=data.units, due_date=data.due_date, actor=actor, units_text=data.units_text
            )
        elif task.state == TaskState.COMPLETED and data.due_date != task.due_date:
            SupervisionTask.objects.filter(pk=task.pk).update(due_date=data.due_date)
            task.refresh_from_db()
    return task


def assign(task, *, units, due_date=None, actor, units_text: str = "") -> SupervisionTask:
    """指定主责单位 (first = lead) and the 完成时限: the deadline row follows the lead unit and the date."""
    units = list(dict.fromkeys(units))

    def effects(locked):
        TaskUnit.objects.filter(task=locked).delete()
        TaskUnit.objects.bulk_create(
            TaskUnit(task=locked, organization=unit, order=index) for index, unit in enumerate(units)
        )
        locked.due_date = due_date
        locked.units_text = units_text  # the cell as written, only while it names these units
        open_rows = Deadline.objects.for_subject(locked).open().filter(kind=DEADLINE_TASK_DUE)
        current = open_rows.first()
        lead = units[0] if units else None
        if current is not None and (
            current.due_date == due_date and current.responsible_organization_id == getattr(lead, "pk", None)
        ):
            return
        close_deadlines(
            locked,
            kinds=[DEADLINE_TASK_DUE],
            state=DeadlineState.CANCELLED,
            reason="完成时限或主责单位调整",
            actor=actor,
        )
        if due_date is not None:
            _open_due(locked, due_date, lead, actor)

    # The units are checked by the guard on the locked row; set them first so that the guard sees them.
    if not units:
        raise TransitionRefused("不能指定主责单位：尚未指定主责单位。", ["主责单位"])
    with transaction.atomic():
        if not task.unit_links.exists():
            TaskUnit.objects.bulk_create(
                TaskUnit(task=task, organization=unit, order=index) for index, unit in enumerate(units)
            )
        return TASK.apply(
            task, "assign", actor=actor, effects=effects, data={"units": [u.name for u in units]}
        )


def _open_due(task, due_date, lead, actor):
    open_deadline(
        task,
        kind=DEADLINE_TASK_DUE,
        start=due_date,
        responsible_organization=lead,
        actor=actor,
        title=f"督查事项第{task.number}项：{task.content[:60]}",
    )


def request_update(task, *, actor, on: datetime.date | None = None) -> SupervisionTask:
    """催报本轮进展: units that write nothing from this day on show as 未报送 on the board."""
    day = on or workdays.today()

    def effects(locked):
        locked.round_requested_on = day

    return TASK.apply(task, "request_update", actor=actor, effects=effects, data={"round": day.isoformat()})


def request_list_update(supervision_list, *, actor) -> int:
    """催报 every task of a list still in progress; returns how many were asked."""
    count = 0
    for task in supervision_list.tasks.filter(state=TaskState.ACTIVE):
        request_update(task, actor=actor)
        count += 1
    return count


def report_progress(task, *, actor, text: str, date=None, organization=None) -> ProgressEntry:
    """填报进展 by a responsible unit; the lead unit may write for any unit of the task (汇总报送)."""
    text = clean_progress(text)
    organization = organization or actor.organization
    lead = task.lead_unit
    if organization.pk != actor.organization_id:
        if lead is None or lead.pk != actor.organization_id:
            raise TransitionRefused("只有牵头单位可以代其他主责单位填报进展。")
        if not task.unit_links.filter(organization=organization).exists():
            raise TransitionRefused("所选单位不是本事项的主责单位。")
    created = {}

    def effects(locked):
        created["entry"] = ProgressEntry.objects.create(
            task=locked, date=date or workdays.today(), text=text, author=actor, organization=organization
        )

    TASK.apply(
        task, "report", actor=actor, effects=effects, text=text, data={"organization": organization.name}
    )
    return created["entry"]


def complete(task, *, actor) -> SupervisionTask:
    def effects(locked):
        close_deadlines(locked, kinds=[DEADLINE_TASK_DUE], actor=actor)

    return TASK.apply(task, "complete", actor=actor, effects=effects)


def reopen(task, *, actor, reason: str) -> SupervisionTask:
    def effects(locked):
        if locked.due_date is not None:
            _open_due(locked, locked.due_date, locked.lead_unit, actor)

    return TASK.apply(task, "reopen", actor=actor, reason=reason, effects=effects)


def may_report(user, task) -> bool:
    return task.state != TaskState.COMPLETED and is_unit(user, task)


def reportable_units(user, task) -> list:
    """Units the user may write for: their own; the lead unit's users, every unit of the task."""
    units = task.ordered_units()
    if units and units[0].pk == user.organization_id:
        return units
    return [u for u in units if u.pk == user.organization_id]


def latest_entries(tasks) -> dict:
    """task id → its latest progress entry, in two queries for any number of tasks."""
    ids = [t.pk for t in tasks]
    latest = {}
    for entry in (
        ProgressEntry.objects.filter(task_id__in=ids)
        .select_related("organization")
        .order_by("task_id", "-date", "-created_at", "-pk")
    ):
        latest.setdefault(entry.task_id, entry)
    return latest


def last_update_dates(tasks) -> dict:
    return dict(
        ProgressEntry.objects.filter(task__in=tasks)
        .values("task")
        .annotate(last=Max("created_at"))
        .values_list("task", "last")
    )


def is_pending(task, last_update) -> bool:
    """Asked for this round's update and nothing written since (未报送)."""
    if task.state != TaskState.ACTIVE or task.round_requested_on is None:
        return False
    return last_update is None or timezone.localdate(last_update) < task.round_requested_on


# Word artefacts copied into the 进展情况 cell ("[bookmark: _GoBack]", field codes, soft hyphens).
_ARTEFACTS = re.compile(r"\[bookmark:[^\]]*\]|\{\s*(?:HYPERLINK|PAGEREF|REF)[^}]*\}|[\u00ad\u200b\ufeff]")


def clean_progress(text: str) -> str:
    text = _ARTEFACTS.sub("", text or "")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return "\n".join(line.rstrip() for line in text.split("\n")).strip()


__all__ = [
    "TaskData",
    "assign",
    "clean_progress",
    "complete",
    "create_list",
    "create_task",
    "reopen",
    "report_progress",
    "request_update",
    "update_task",
]

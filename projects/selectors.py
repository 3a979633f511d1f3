"""Reads of the project library that are more than a filter: the ledger rows with their lights."""

from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property

from django.contrib.contenttypes.models import ContentType
from django.db.models import Prefetch, Q

from projects.choices import Stage
from projects.models import IntakeOpinion, Project
from renewal.choices import Light, Role
from renewal.models import AuditEvent, Deadline
from renewal.selectors import DeadlineRow, deadlines_with_lights, worst_of

LEDGER_ROLES = (Role.STAFF, Role.REVIEWER, Role.ENTITY, Role.LEADERSHIP, Role.AUDITOR, Role.ADMINISTRATOR)

LEDGER_RELATED = ("district", "category", "sub_type", "implementing_entity", "coordinating_entity")


def open_deadlines_prefetch(user) -> Prefetch:
    """Open deadlines as `project.open_deadlines`, scoped too: a department sees the deadlines it is
    responsible for, so a light never reveals a deadline the user could not open in the deadline list."""
    return Prefetch(
        "deadlines",
        queryset=Deadline.objects.visible_to(user).open().order_by("due_date", "pk"),
        to_attr="open_deadlines",
    )


def ledger_queryset(user):
    """Projects the user may see, with everything a ledger row shows and their open deadlines."""
    return (
        Project.objects.visible_to(user)
        .select_related(*LEDGER_RELATED)
        .prefetch_related(open_deadlines_prefetch(user), "districts")
    )


@dataclass
class LedgerRow:
    project: Project
    deadlines: list[DeadlineRow] = field(default_factory=list)

    @property
    def stage(self) -> Stage:
        return Stage(self.project.stage)

    @cached_property
    def worst(self) -> DeadlineRow | None:
        return worst_of(self.deadlines)


def ledger_rows(projects, today=None) -> list[LedgerRow]:
    """Rows of projects fetched with `ledger_queryset`, lights computed with one calendar snapshot."""
    projects = list(projects)
    lights = deadlines_with_lights([d for project in projects for d in project.open_deadlines], today=today)
    by_project: dict[int, list[DeadlineRow]] = defaultdict(list)
    for row in lights:
        by_project[row.deadline.object_id].append(row)
    return [LedgerRow(project, by_project.get(project.pk, [])) for project in projects]


def describe_light(row: DeadlineRow | None) -> str:
    """The light as text for spreadsheets, e.g. “入库联合审查：逾期3个工作日（暂定）”."""
    if row is None:
        return ""
    answer = row.light
    if answer.light == Light.RED:
        state = f"逾期{answer.working_days_overdue}个工作日"
    else:
        state = f"{Light(answer.light).label}，剩{answer.working_days_left}个工作日"
    provisional = "（暂定）" if row.deadline.provisional else ""
    return f"{row.deadline.title}：{state}{provisional}"


def project_timeline(project: Project, viewer) -> list[AuditEvent]:
    """The project's 办理记录 as the viewer may read it: the events of the project and of its intake
    opinions, oldest first. Scoped by the audit trail's own rule, so a department never reads another
    department's opinion here."""
    opinions = [str(pk) for pk in IntakeOpinion.objects.filter(project=project).values_list("pk", flat=True)]
    of_project = Q(
        content_type=ContentType.objects.get_for_model(Project, for_concrete_model=False),
        object_id=str(project.pk),
    )
    of_opinions = Q(
        content_type=ContentType.objects.get_for_model(IntakeOpinion, for_concrete_model=False),
        object_id__in=opinions,
    )
    return list(
        AuditEvent.objects.visible_to(viewer).filter(of_project | of_opinions).order_by("created_at", "pk")
    )

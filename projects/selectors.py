"""Reads of the project library that are more than a filter: the ledger rows with their lights."""

from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import EmptyResultSet
from django.db.models import F, Lookup, OuterRef, Prefetch, Q, Subquery

from projects.choices import Stage
from projects.models import IntakeOpinion, Project
from renewal import calendar as workdays
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


def looked_up(model, column: str, outer: str, key: str = "pk") -> Subquery:
    """`column` of the `model` row whose `key` is the project's `outer`, as a scalar subquery.

    A page of projects reads its related names this way, not by joins: with six joins PostgreSQL spent 2–9 ms
    planning the page's query on each request (0.1–0.2 ms this way; issue 16), and with a LIMIT it evaluates
    the subqueries for the page's rows only, after the sort."""
    return Subquery(model.objects.filter(**{key: OuterRef(outer)}).order_by().values(column))


# The values a row of the HTML ledger shows (templates/projects/project_list.html, `{% ledger_row %}`).
LEDGER_PAGE_VALUES = (
    "pk",
    "district_id",
    "code",
    "name",
    "district_name",
    "locality",
    "category_name",
    "sub_type_name",
    "path",
    "stage",
    "library",
    "implementing_name",
    "coordinating_name",
    "total_investment",
    "received_on",
    "admitted_on",
)


def _ledger_names() -> dict:
    from projects.models import Category, SubType
    from renewal.models import District, Organization

    return {
        "district_name": looked_up(District, "name", "district_id"),
        "category_name": looked_up(Category, "name", "category_id"),
        "sub_type_name": looked_up(SubType, "name", "sub_type_id"),
        "implementing_name": looked_up(Organization, "name", "implementing_entity_id"),
        "coordinating_name": looked_up(Organization, "name", "coordinating_entity_id"),
    }


@dataclass(slots=True)
class LedgerPageRow:
    """A row of the HTML ledger read as values: `values` a named row of LEDGER_PAGE_VALUES, the districts the
    project lists [(id, name)], its worst open deadline's light and how many open deadlines it has."""

    values: tuple
    districts: list[tuple[int, str]]
    worst: DeadlineRow | None
    deadline_count: int


def ledger_page_values(queryset):
    """A `ledger_queryset` (filtered, ordered) as the named values its HTML rows show."""
    return (
        queryset.prefetch_related(None)
        .select_related(None)
        .annotate(**_ledger_names())
        .values_list(*LEDGER_PAGE_VALUES, named=True)
    )


def ledger_page_rows(values, open_deadlines, today=None) -> list[LedgerPageRow]:
    """The rows of one page of the HTML ledger: the page's values (`ledger_page_values`, sliced), their
    districts from one query and their lights from one query and one calendar snapshot, as `ledger_rows`
    lights them (issue 16: fifty projects and their five related objects built as model instances, and
    their prefetches, were a third of the page's time)."""
    values = list(values)
    ids = [row.pk for row in values]
    if not ids:
        return []
    lit = lit_by_project(open_deadlines, ids, ChunkCalendar(today or workdays.today()))
    listed = cross_district_names(ids)
    rows = []
    for row in values:
        deadlines = lit.get(row.pk, ())
        rows.append(LedgerPageRow(row, listed.get(row.pk, []), worst_of(deadlines), len(deadlines)))
    return rows


def ledger_rows(projects, today=None) -> list[LedgerRow]:
    """Rows of projects fetched with `ledger_queryset`, lights computed with one calendar snapshot."""
    projects = list(projects)
    lights = deadlines_with_lights([d for project in projects for d in project.open_deadlines], today=today)
    by_project: dict[int, list[DeadlineRow]] = defaultdict(list)
    for row in lights:
        by_project[row.deadline.object_id].append(row)
    return [LedgerRow(project, by_project.get(project.pk, [])) for project in projects]


class AmongIds(Lookup):
    """`column IN (ids)` with the ids as one array parameter on PostgreSQL (`column = ANY(%s)`), a plain IN
    elsewhere. A chunk of 1,000 ids as 1,000 placeholders costs more to prepare, send and parse than the
    query takes to run (issue 16: most of the export's per-chunk reads)."""

    lookup_name = "among_ids"
    prepare_rhs = False

    def get_prep_lookup(self):
        return [int(pk) for pk in self.rhs]

    def as_sql(self, compiler, connection):
        if not self.rhs:
            raise EmptyResultSet
        lhs, params = self.process_lhs(compiler, connection)
        return f"{lhs} IN ({', '.join(['%s'] * len(self.rhs))})", (*params, *self.rhs)

    def as_postgresql(self, compiler, connection):
        if not self.rhs:
            raise EmptyResultSet
        lhs, params = self.process_lhs(compiler, connection)
        return f"{lhs} = ANY(%s)", (*params, self.rhs)


def ledger_open_deadlines(queryset):
    """The open deadlines that light the rows of a `ledger_queryset` (its `open_deadlines` prefetch, scoped
    to the same user), for reads of its rows as plain values, which prefetch nothing."""
    for lookup in queryset._prefetch_related_lookups:
        if isinstance(lookup, Prefetch) and lookup.to_attr == "open_deadlines":
            return lookup.queryset
    raise ValueError("expected a ledger_queryset(user): its open deadlines' scope is missing")


class ChunkCalendar:
    """The calendar snapshot for the lights of a long list read in chunks: kept while it covers a chunk's
    due dates, replaced by one that covers them when it does not (two queries each time)."""

    def __init__(self, today):
        self.today = today
        self.snapshot = None

    def covering(self, dates) -> workdays.WorkCalendar:
        first, last = min(min(dates), self.today), max(max(dates), self.today)
        if self.snapshot is None or not (self.snapshot.covers(first) and self.snapshot.covers(last)):
            self.snapshot = workdays.snapshot_for(dates, self.today)
        return self.snapshot


def lit_by_project(open_deadlines, project_ids, calendar: ChunkCalendar) -> dict[int, list[DeadlineRow]]:
    """{project id: its open deadlines with their lights}, from one query of the few columns a light needs
    and the calendar snapshot covering them (issue 16: no model instances).

    Each row's `deadline` is a plain row with the title, due date, rule and provisional flag the lights and
    `describe_light` read; the deadlines come in the prefetch's order, so ties resolve as in `ledger_rows`."""
    rows = list(
        open_deadlines.filter(
            AmongIds(F("object_id"), project_ids), content_type=ContentType.objects.get_for_model(Project)
        ).values_list("object_id", "due_date", "title", "provisional", "rule", named=True)
    )
    if not rows:
        return {}
    today = calendar.today
    snapshot = calendar.covering({row.due_date for row in rows})
    answers = {}  # one light per due date: many deadlines share one
    by_project: dict[int, list[DeadlineRow]] = defaultdict(list)
    for row in rows:
        answer = answers.get(row.due_date)
        if answer is None:
            answer = answers[row.due_date] = snapshot.light(row.due_date, today)
        by_project[row.object_id].append(DeadlineRow(row, answer))
    return by_project


def worst_lights(open_deadlines, project_ids, calendar: ChunkCalendar) -> dict[int, DeadlineRow]:
    """{project id: the worst light of its open deadlines} as `LedgerRow.worst` gives it."""
    return {pk: worst_of(lit) for pk, lit in lit_by_project(open_deadlines, project_ids, calendar).items()}


def cross_district_names(project_ids) -> dict[int, list[tuple[int, str]]]:
    """{project id: [(district id, name), …]} of the districts each 跨区 project lists, in the districts'
    own order (by code), from one query of the m2m table."""
    listed: dict[int, list[tuple[int, str]]] = defaultdict(list)
    rows = (
        Project.districts.through.objects.filter(AmongIds(F("project_id"), project_ids))
        .order_by("district__code")
        .values_list("project_id", "district_id", "district__name")
    )
    for project_id, district_id, name in rows:
        listed[project_id].append((district_id, name))
    return listed


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

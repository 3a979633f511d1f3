"""The district progress report (区城市更新项目进展情况表, DOMAIN.md §5, issue 13): three sheets.

1. 项目进展 — one row per project of the scope and filters (drafts and withdrawn applications are not
   reported; rejected ones are, marked by their stage), grouped by category with a subtotal row per
   category and a 合计 row;
2. 汇总 — counts and investment by category × stage, by library, reported to the city vs in the plan;
3. 期限 — overdue deadlines and deadlines met late.

Money: detail at full precision (亿元 = stored 万元 / 10000, exact); subtotals and totals are summed from
the unrounded values and rounded once to 2 decimals, half up, so they tie to the ledger.
Rows are read in chunks and written as they come (write-only workbook): memory stays flat in N.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.db.models import F, Q

from projects.choices import Library, Stage
from projects.models import Project
from projects.selectors import describe_light, ledger_rows
from renewal import calendar as workdays
from renewal.choices import DeadlineState, DepartmentCode, Light
from renewal.dates import chinese_date
from renewal.selectors import deadlines_with_lights
from reports import sources
from reports.workbook import Column, StreamingSheet, discard, generation_stamp, new_workbook, round_money

CHUNK = 1000
WAN_PER_YI = Decimal(10000)
NOT_REPORTED = (Stage.DRAFT, Stage.WITHDRAWN)
UNCATEGORISED = "未分类"

PROGRESS_COLUMNS = [
    Column("序号", 6, "int"),
    Column("项目编号", 18),
    Column("项目名称", 36, wrap=True),
    Column("类别", 10),
    Column("子类", 20),
    Column("实施路径", 18),
    Column("牵头部门", 16),
    Column("统筹主体", 24, wrap=True),
    Column("实施主体", 24, wrap=True),
    Column("属地（街镇/园区）", 16),
    Column("阶段", 14),
    Column("项目库", 12),
    Column("受理日", 14, "date"),
    Column("入库日", 14, "date"),
    Column("转入实施库日", 14, "date"),
    Column("纳入城市更新计划批次", 18),
    Column("纳入计划日期", 14, "date"),
    Column("联合审查意见日", 14, "date"),
    Column("公示开始", 14, "date"),
    Column("公示结束", 14, "date"),
    Column("建设工程规划许可", 16),
    Column("施工许可", 16),
    Column("开工日期", 14, "date"),
    Column("联合验收申请日", 14, "date"),
    Column("联合验收通过日", 14, "date"),
    Column("竣工验收日", 14, "date"),
    Column("不动产登记日", 14, "date"),
    Column("出库日", 14, "date"),
    Column("总投资（亿元）", 14, "yi"),
    Column("本年计划投资（亿元）", 14, "yi"),
    Column("本年完成投资（亿元）", 14, "yi"),
    Column("自开工累计完成投资（亿元）", 16, "yi"),
    Column("完成率", 10, "percent"),
    Column("形象进度", 24, wrap=True),
    Column("进行中期限", 36, wrap=True),
    Column("最严重灯号", 10),
    Column("逾期工作日", 10, "int"),
    Column("最新进展", 48, wrap=True),
    Column("进展日期", 14, "date"),
]
# Positions of the money columns (0-based) summed in subtotal and total rows.
MONEY_COLUMNS = {"total": 28, "year_planned": 29, "year_completed": 30, "since_start": 31}
PERCENT_COLUMN = 32
NAME_COLUMN = 2

SUMMARY_COLUMNS = [
    Column("统计口径", 22),
    Column("类别", 14),
    Column("阶段/项目库/批次", 24),
    Column("项目数", 10, "int"),
    Column("总投资（亿元）", 16, "money2"),
]

DEADLINE_COLUMNS = [
    Column("序号", 6, "int"),
    Column("情况", 10),
    Column("项目编号", 18),
    Column("项目", 36, wrap=True),
    Column("期限", 24),
    Column("依据", 30, wrap=True),
    Column("责任单位", 24),
    Column("起算日", 14, "date"),
    Column("到期日", 14, "date"),
    Column("完成日", 14, "date"),
    Column("逾期工作日", 10, "int"),
    Column("暂定", 8),
]


def _yi(amount_wan) -> Decimal | None:
    """万元 (as stored) → 亿元, exact (no rounding: a Decimal division by 10^4 is exact)."""
    if amount_wan is None or amount_wan == "":
        return None
    return Decimal(amount_wan) / WAN_PER_YI


def _as_date(value):
    """A date for a date cell: dates stay, aware datetimes become their local date."""
    if isinstance(value, datetime.datetime):
        return workdays_localdate(value)
    return value if isinstance(value, datetime.date) else None


def workdays_localdate(value: datetime.datetime) -> datetime.date:
    from django.utils import timezone

    return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()


def _permit_cell(value):
    """A permit: its date (a real date cell), or the words of an exemption/other state as text."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime.date):
        return _as_date(value)
    if isinstance(value, dict):
        if value.get("date"):
            return _as_date(value["date"]) or value["date"]
        for key in ("exempt_reason", "label", "text", "status"):
            if value.get(key):
                return f"免于办理：{value[key]}" if key == "exempt_reason" else str(value[key])
        return None
    return str(value)


def _percent(value):
    """完成率 for a 0.00% cell: the figures give a percent (45.5), the cell holds the fraction (0.455)."""
    if value is None or value == "":
        return None
    return Decimal(str(value)) / 100


def _library_label(project) -> str:
    if project.stage == Stage.REJECTED:
        return "未予入库"
    return Library(project.library).label if project.library != Library.NONE else "未入库"


def _library_cell(project) -> str:
    """项目库 as sheet 1 shows it: an exit or a removal carries its date (已出库（2026年3月1日）)."""
    label = _library_label(project)
    day = {Library.EXITED: project.library_exit_on, Library.REMOVED: project.removed_on}.get(project.library)
    return f"{label}（{chinese_date(day)}）" if day else label


def _lead_department(project) -> str:
    if project.sub_type_id and project.sub_type.lead_department:
        try:
            return DepartmentCode(project.sub_type.lead_department).label
        except ValueError:
            return project.sub_type.lead_department
    return ""


# --- selection ---------------------------------------------------------------------------------------


def report_queryset(projects):
    """The projects of a scoped, filtered ledger queryset that the report lists, grouped by category."""
    queryset = projects.exclude(stage__in=NOT_REPORTED).select_related(*sources.related_fields())
    return queryset.order_by(
        F("category__order").asc(nulls_last=True), F("category_id").asc(nulls_last=True), "code", "pk"
    )


def _chunks(queryset):
    chunk = []
    for project in queryset.iterator(chunk_size=CHUNK):
        chunk.append(project)
        if len(chunk) >= CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


# --- accumulation for subtotals and the summary sheet ---------------------------------------------


@dataclass
class Tally:
    count: int = 0
    money: dict = field(default_factory=lambda: defaultdict(Decimal))

    def add(self, amounts: dict):
        self.count += 1
        for key, amount in amounts.items():
            if amount is not None:
                self.money[key] += amount


@dataclass
class ReportResult:
    rows: int
    total_yi: Decimal  # rounded once to 2 decimals
    summary: dict
    title: str


class ProgressReport:
    """Writes the three sheets of the report for a queryset of visible, filtered projects.

    `deadlines` is the scoped Deadline queryset of the reader (or every deadline for a system run), so the
    report never shows a deadline its reader could not open in the deadline list.
    """

    def __init__(self, projects, *, deadlines, scope_name: str, described: dict, as_of=None):
        self.projects = report_queryset(projects)
        self.deadlines = deadlines
        self.scope_name = scope_name
        self.described = described
        self.as_of = as_of or workdays.today()
        self.generated, self.stamp = generation_stamp()
        self.title = f"{scope_name}城市更新项目进展情况表（截至{chinese_date(self.as_of)}）"

    @property
    def filename(self) -> str:
        return f"{self.scope_name}城市更新项目进展情况表_{self.stamp}.xlsx"

    def heading(self, extra: str = "") -> list[str]:
        conditions = "；".join(f"{key}：{value}" for key, value in self.described.items()) or "全部"
        return [self.title, f"筛选条件：{conditions}", f"生成时间：{self.generated}{extra}"]

    def write(self, out, progress=None) -> ReportResult:
        workbook = new_workbook()
        try:
            return self._write(workbook, out, progress or (lambda percent: None))
        except BaseException:
            discard(workbook)
            raise

    def _write(self, workbook, out, progress) -> ReportResult:
        total_count = self.projects.count()
        sheet = StreamingSheet(workbook, "项目进展", PROGRESS_COLUMNS, self.heading())
        by_category_stage: dict[tuple, Tally] = defaultdict(Tally)
        by_library: dict[str, Tally] = defaultdict(Tally)
        by_batch: dict[tuple, Tally] = defaultdict(Tally)
        reported = Tally()
        grand = Tally()
        group = None
        group_tally = Tally()
        number = 0
        for chunk in _chunks(self.projects):
            ids = [project.pk for project in chunk]
            dates = sources.key_dates(ids)
            figures = sources.investment_figures(ids, year=self.as_of.year, as_of=self.as_of)
            narratives = sources.latest_narratives(ids, as_of=self.as_of)
            for row in ledger_rows(chunk, today=self.as_of):
                project = row.project
                category = project.category.name if project.category_id else UNCATEGORISED
                if category != group:
                    if group is not None:
                        self._subtotal(sheet, group, group_tally)
                    group, group_tally = category, Tally()
                number += 1
                amounts = self._write_project(
                    sheet,
                    number,
                    row,
                    sources.project_dates(project, dates.get(project.pk, {})),
                    {**figures.get(project.pk, {}), "narrative": narratives.get(project.pk)},
                )
                group_tally.add(amounts)
                grand.add(amounts)
                total = {"total": amounts["total"]}
                by_category_stage[(category, Stage(project.stage).label)].add(total)
                by_library[_library_label(project)].add(total)
                if sources.reported_to_city_on(project):
                    reported.add(total)
                batch = sources.city_plan_batch(project)
                if batch is not None:
                    by_batch[(sources.batch_label(batch), sources.batch_date(batch))].add(total)
            progress(min(90, int(90 * number / max(total_count, 1))))
        if group is not None:
            self._subtotal(sheet, group, group_tally)
        self._total(sheet, grand)
        sheet.finish()
        summary = self._write_summary(workbook, by_category_stage, by_library, reported, by_batch, grand)
        progress(95)
        summary["deadlines"] = self._write_deadlines(workbook)
        workbook.save(out)
        progress(100)
        total_yi = round_money(grand.money["total"])
        return ReportResult(rows=number, total_yi=total_yi, summary=summary, title=self.title)

    # -- sheet 1 --

    def _write_project(self, sheet, number, row, dates, figures) -> dict:
        project = row.project
        batch = sources.city_plan_batch(project)
        amounts = {
            "total": _yi(project.total_investment),
            "year_planned": _yi(figures.get("year_planned")),
            "year_completed": _yi(figures.get("year_completed")),
            "since_start": _yi(figures.get("since_start")),
        }
        worst = row.worst
        narrative = figures.get("narrative")
        lights = "\n".join(describe_light(deadline) for deadline in row.deadlines) or None
        sheet.append(
            [
                number,
                project.code or None,
                project.name,
                project.category.name if project.category_id else None,
                project.sub_type.name if project.sub_type_id else None,
                project.get_path_display(),
                _lead_department(project) or None,
                project.coordinating_entity.name if project.coordinating_entity_id else None,
                project.implementing_entity.name if project.implementing_entity_id else None,
                sources.locality(project) or None,
                project.get_stage_display(),
                _library_cell(project),
                project.received_on,
                project.admitted_on,
                project.implementation_on,
                sources.batch_label(batch) or None,
                _as_date(sources.batch_date(batch)),
                project.review_opinion_on,
                _as_date(project.publicity_start),
                _as_date(project.publicity_end),
                _permit_cell(dates.get("planning_permit")),
                _permit_cell(dates.get("construction_permit")),
                _as_date(dates.get("works_started_on")),
                _as_date(dates.get("joint_acceptance_applied_on")),
                _as_date(dates.get("joint_acceptance_passed_on")),
                _as_date(dates.get("completion_accepted_on")),
                _as_date(dates.get("registration_on")),
                _as_date(dates.get("library_exit_on")),
                amounts["total"],
                amounts["year_planned"],
                amounts["year_completed"],
                amounts["since_start"],
                _percent(figures.get("percent_complete")),
                figures.get("progress_text") or None,
                lights,
                Light(worst.light.light).label if worst else None,
                worst.light.working_days_overdue if worst and worst.light.light == Light.RED else None,
                narrative[0] if narrative else None,
                narrative[1] if narrative else None,
            ]
        )
        return amounts

    def _money_row(self, label_cells: dict[int, str], tally: Tally) -> list:
        values = [None] * len(PROGRESS_COLUMNS)
        for index, text in label_cells.items():
            values[index] = text
        for key, index in MONEY_COLUMNS.items():
            values[index] = round_money(tally.money[key]) if key in tally.money else None
        return values

    def _subtotal(self, sheet, category: str, tally: Tally):
        total = round_money(tally.money["total"])
        label = f"{category}（{tally.count}个，总投资 {total:f}亿元）"
        sheet.append(
            self._money_row({NAME_COLUMN: label}, tally),
            bold=True,
            kinds={index: "money2" for index in MONEY_COLUMNS.values()},
        )

    def _total(self, sheet, tally: Tally):
        sheet.append(
            self._money_row({0: "合计", NAME_COLUMN: f"共{tally.count}个项目"}, tally),
            bold=True,
            kinds={index: "money2" for index in MONEY_COLUMNS.values()},
        )

    # -- sheet 2 --

    def _write_summary(self, workbook, by_category_stage, by_library, reported, by_batch, grand) -> dict:
        sheet = StreamingSheet(workbook, "汇总", SUMMARY_COLUMNS, self.heading())
        summary = {"projects": grand.count, "total_yi": str(round_money(grand.money["total"]))}
        by_category: dict[str, Tally] = defaultdict(Tally)
        stage_order = {label: position for position, (_, label) in enumerate(Stage.choices)}
        categories = []
        for (category, _stage), tally in by_category_stage.items():
            if category not in categories:
                categories.append(category)
            by_category[category].count += tally.count
            by_category[category].money["total"] += tally.money["total"]
        for category in categories:
            stages = sorted(
                (stage for cat, stage in by_category_stage if cat == category), key=stage_order.get
            )
            for stage in stages:
                tally = by_category_stage[(category, stage)]
                sheet.append(["类别×阶段", category, stage, tally.count, round_money(tally.money["total"])])
            tally = by_category[category]
            sheet.append(
                ["类别×阶段", category, "小计", tally.count, round_money(tally.money["total"])], bold=True
            )
        order = [label for _, label in Library.choices] + ["未予入库"]
        for label in sorted(
            by_library, key=lambda label: order.index(label) if label in order else len(order)
        ):
            tally = by_library[label]
            sheet.append(["项目库", None, label, tally.count, round_money(tally.money["total"])])
        sheet.append(["上报市级", None, "已上报市级", reported.count, round_money(reported.money["total"])])
        in_plan = Tally()
        for (label, day), tally in sorted(by_batch.items(), key=lambda item: item[0][1] or datetime.date.min):
            text = f"{label}（{chinese_date(day)}）" if day else label
            sheet.append(["纳入城市更新计划", None, text, tally.count, round_money(tally.money["total"])])
            in_plan.count += tally.count
            in_plan.money["total"] += tally.money["total"]
        sheet.append(
            ["纳入城市更新计划", None, "合计", in_plan.count, round_money(in_plan.money["total"])], bold=True
        )
        sheet.append(["合计", None, None, grand.count, round_money(grand.money["total"])], bold=True)
        sheet.finish()
        summary.update(
            {
                "by_category": {name: tally.count for name, tally in by_category.items()},
                "by_library": {name: tally.count for name, tally in by_library.items()},
                "reported_to_city": reported.count,
                "in_city_plan": in_plan.count,
            }
        )
        return summary

    # -- sheet 3 --

    def _deadline_queryset(self):
        project_type = ContentType.objects.get_for_model(Project, for_concrete_model=False)
        return (
            self.deadlines.filter(
                project_content_type=project_type,
                project_object_id__in=self.projects.order_by().values("pk"),
            )
            .filter(
                Q(state=DeadlineState.OPEN, due_date__lt=self.as_of)
                | Q(state=DeadlineState.MET, late_workdays__gt=0)
            )
            .select_related("responsible_organization")
            .order_by("-state", "due_date", "pk")
        )

    def _write_deadlines(self, workbook) -> dict:
        sheet = StreamingSheet(workbook, "逾期期限", DEADLINE_COLUMNS, self.heading())
        counts = {"overdue": 0, "late": 0}
        number = 0
        batch = []

        def flush(batch):
            nonlocal number
            ids = {deadline.project_object_id for deadline in batch}
            codes = dict(Project.objects.filter(pk__in=ids).values_list("pk", "code"))
            open_rows = {
                row.deadline.pk: row
                for row in deadlines_with_lights(
                    [d for d in batch if d.state == DeadlineState.OPEN], today=self.as_of
                )
            }
            for deadline in batch:
                number += 1
                if deadline.state == DeadlineState.OPEN:
                    counts["overdue"] += 1
                    overdue = open_rows[deadline.pk].light.working_days_overdue
                    state = "逾期未完成"
                else:
                    counts["late"] += 1
                    overdue = deadline.late_workdays
                    state = "逾期完成"
                sheet.append(
                    [
                        number,
                        state,
                        codes.get(deadline.project_object_id) or None,
                        deadline.project_label or deadline.subject_repr,
                        deadline.title,
                        deadline.basis or None,
                        deadline.responsible_organization.name
                        if deadline.responsible_organization_id
                        else None,
                        deadline.start_date,
                        deadline.due_date,
                        deadline.closed_on,
                        overdue,
                        "是" if deadline.provisional else None,
                    ]
                )

        for deadline in self._deadline_queryset().iterator(chunk_size=CHUNK):
            batch.append(deadline)
            if len(batch) >= CHUNK:
                flush(batch)
                batch = []
        if batch:
            flush(batch)
        sheet.finish()
        return counts

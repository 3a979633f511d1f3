"""Steps of the permits app, each through its workflow table (permits.workflows); no view holds a rule.

The checklist proposal (Haidian guidance 四), start of works, monthly investment reports (五(三)),
completion and joint acceptance (五(四)), registration and licence (五(五)(六)) and the exit (五(七)).
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from permits.choices import (
    DEADLINE_JOINT_ACCEPTANCE,
    DEADLINE_LIBRARY_EXIT,
    DEADLINE_MONTHLY_INVESTMENT,
    EXIT_BASIS,
    PERMIT_SCAN_KIND,
    REPORT_PHOTO_KIND,
    LandMode,
    LandScope,
    LineState,
    Procedure,
    Requirement,
    WaterLevel,
    WorksState,
)
from permits.models import (
    AnnualInvestmentPlan,
    InvestmentMonth,
    MonthlyInvestmentReport,
    PermitLine,
    ProjectWorks,
)
from permits.workflows import INVESTMENT_MONTH, PERMIT_LINE, WORKS
from projects.choices import Library, Path, Stage
from projects.models import Project
from projects.services import move_stage
from renewal import calendar as workdays
from renewal.attachments import attach
from renewal.services import close_deadlines, open_deadline
from review.choices import DEADLINE_LAND_ALL, DEADLINE_LAND_FIRST_PHASE

GUIDANCE = "《海淀区城市更新实施指引（2025年版）》"

# Project stage of each works state (the project's stage mirrors it once in permits).
STAGE_OF = {
    WorksState.PERMITS: Stage.PERMITS,
    WorksState.CONSTRUCTION: Stage.CONSTRUCTION,
    WorksState.COMPLETION: Stage.COMPLETION,
    WorksState.COMPLETED: Stage.COMPLETED,
    WorksState.EXITED: Stage.EXITED,
}
WORKS_OF_STAGE = {stage: state for state, stage in STAGE_OF.items()}

FACT_FIELDS = [
    "government_invested",
    "changes_use_scale_outline",
    "on_exemption_list",
    "exemption_list_item",
    "facade_works_in_designated_area",
    "simple_low_risk",
    "land_mode",
    "small_works_under_limit",
    "water_works",
    "water_level",
    "city_matter",
    "special_construction",
    "drawing_review_class",
    "joint_review_departments",
    "joint_acceptance_intended",
    "risk_level",
]
CONSTRUCTION_FIELDS = [
    "planned_completion_on",
    "supervision_agreement_required",
    "supervision_agreement_on",
    "supervision_agreement_body",
    "supervision_agreement_terms",
    "statistics_included_on",
    "statistics_code",
]


# --- the works row -------------------------------------------------------------------------------


def works_for(project: Project) -> ProjectWorks:
    """The project's works record, created the first time a project in the permits part is looked at."""
    works = ProjectWorks.objects.filter(project=project).select_related("project").first()
    if works is None:
        state = WORKS_OF_STAGE.get(project.stage, WorksState.PENDING)
        works, _ = ProjectWorks.objects.get_or_create(project=project, defaults={"state": state})
    return works


def _stage(project_id: int, works_state: str, *, actor, reason: str = "", request=None) -> None:
    project = Project.objects.get(pk=project_id)
    move_stage(project, stage=STAGE_OF[works_state], actor=actor, reason=reason, request=request)


# --- the checklist proposal (Haidian guidance 四) -------------------------------------------------


def propose(works: ProjectWorks) -> list[tuple[str, str, str]]:
    """(procedure, requirement, basis) for every procedure, from the project's facts."""
    project = works.project
    lines = []
    if works.government_invested:
        basis = f"{GUIDANCE}四(一)：涉及政府投资的，按国家及本市政府投资管理规定履行审批手续"
    elif project.path == Path.OTHER:
        basis = f"{GUIDANCE}四(一)：按其他路径实施类项目由实施主体按照相关行业政策办理立项"
    else:
        basis = f"{GUIDANCE}四(一)：依据审查通过的实施方案申请办理立项手续"
    lines.append((Procedure.PROJECT_APPROVAL, Requirement.REQUIRED, basis))

    if works.land_mode:
        basis = {
            LandMode.PAID_USE: "有偿使用：出让合同或补充协议缴费信息推送税务部门，税务部门反馈征缴情况",
            LandMode.ALLOCATION: "划拨等形式：按实际情况办理用地手续变更",
            LandMode.TRANSITION: "利用五年过渡期政策：按相关政策执行（区政府批准日期、过渡期届满日）",
        }[works.land_mode]
        lines.append(
            (Procedure.LAND, Requirement.REQUIRED, f"{GUIDANCE}四(二)；联合审查办法 第十八条。{basis}")
        )
    else:
        lines.append((Procedure.LAND, Requirement.NOT_APPLICABLE, "项目不涉及用地手续"))

    planning_exempt = not works.changes_use_scale_outline or works.on_exemption_list
    if planning_exempt:
        why = (
            f"符合建设工程规划许可证豁免清单（{works.exemption_list_item or '条目待补充'}）"
            if works.on_exemption_list
            else "不改变建筑使用功能、不增加建筑规模、不改变建筑外轮廓"
        )
        lines.append(
            (Procedure.PLANNING_PERMIT, Requirement.EXEMPT, f"{GUIDANCE}四(三)；楼宇办法 第十九条：{why}")
        )
        lines.append((Procedure.MULTI_PLAN, Requirement.NOT_APPLICABLE, "无需办理建设工程规划许可证"))
        if works.facade_works_in_designated_area:
            lines.append(
                (
                    Procedure.FACADE_PERMIT,
                    Requirement.REQUIRED,
                    f"{GUIDANCE}四(三)：位于重要大街、历史文化街区或特定区域的外立面装修，先办理外立面装修的"
                    "建设工程规划许可证（京规自发〔2022〕118号）",
                )
            )
        else:
            lines.append((Procedure.FACADE_PERMIT, Requirement.NOT_APPLICABLE, "不涉及特定区域外立面装修"))
    else:
        lines.append(
            (
                Procedure.PLANNING_PERMIT,
                Requirement.REQUIRED,
                f"{GUIDANCE}四(三)：改变建筑使用功能、规模或外轮廓的项目办理建设工程规划许可证",
            )
        )
        if works.simple_low_risk:
            lines.append(
                (
                    Procedure.MULTI_PLAN,
                    Requirement.NOT_APPLICABLE,
                    f"{GUIDANCE}四(三)：社会投资简易低风险工程按相关要求执行",
                )
            )
        else:
            departments = works.joint_review_departments.strip()
            skip = f"；不再征求已参与联合审查的部门：{departments}" if departments else ""
            lines.append(
                (
                    Procedure.MULTI_PLAN,
                    Requirement.REQUIRED,
                    f"{GUIDANCE}四(三)：纳入“多规合一”协同平台会商阶段办理规划手续{skip}",
                )
            )
        lines.append((Procedure.FACADE_PERMIT, Requirement.NOT_APPLICABLE, "已办理建设工程规划许可证"))

    issuer = "市住房城乡建设委" if works.city_matter else "区住房城乡建设委"
    if works.water_works:
        lines.append(
            (
                Procedure.CONSTRUCTION_PERMIT,
                Requirement.NOT_APPLICABLE,
                f"{GUIDANCE}四(四)：水利工程实行开工备案制度",
            )
        )
        office = "市水务局" if works.water_level == WaterLevel.CITY else "区水务局"
        lines.append(
            (
                Procedure.WATER_START_FILING,
                Requirement.REQUIRED,
                f"{GUIDANCE}四(四)：水利工程开工备案由{office}受理",
            )
        )
    else:
        if works.small_works_under_limit:
            lines.append(
                (
                    Procedure.CONSTRUCTION_PERMIT,
                    Requirement.EXEMPT,
                    f"{GUIDANCE}四(四)：限额以下小型工程（{settings.SMALL_WORKS_LIMIT}）可不申请施工许可证",
                )
            )
        else:
            lines.append(
                (
                    Procedure.CONSTRUCTION_PERMIT,
                    Requirement.REQUIRED,
                    f"{GUIDANCE}四(四)：开工前向{issuer}申请施工许可证",
                )
            )
        lines.append((Procedure.WATER_START_FILING, Requirement.NOT_APPLICABLE, "非水利工程"))

    if works.special_construction:
        lines.append(
            (
                Procedure.FIRE_REVIEW,
                Requirement.REQUIRED,
                f"{GUIDANCE}四(五)：特殊建设工程向市规划自然资源委申请消防设计审查",
            )
        )
    else:
        lines.append(
            (
                Procedure.FIRE_REVIEW,
                Requirement.NOT_APPLICABLE,
                f"{GUIDANCE}四(五)：非特殊建设工程，采取事中事后抽查",
            )
        )
    if works.drawing_review_class:
        lines.append(
            (
                Procedure.DRAWING_REVIEW,
                Requirement.REQUIRED,
                f"{GUIDANCE}四(五)：市政基础设施、机要工程、政府投资的重大工程和重要民生项目按原程序审查",
            )
        )
    else:
        lines.append(
            (
                Procedure.DRAWING_REVIEW,
                Requirement.NOT_APPLICABLE,
                f"{GUIDANCE}四(五)：不再开展施工图事前审查",
            )
        )
    order = list(Procedure.values)
    return sorted(lines, key=lambda line: order.index(line[0]))


def facts_from_plan(project: Project) -> dict:
    """The facts the jointly reviewed plan already states (issue 11 §1: "facts come from the approved plan
    where it has them"), as a starting point the entity confirms; {} on the other path."""
    from review.choices import PlanFact
    from review.models import DepartmentReview, ImplementationPlan

    plan = ImplementationPlan.objects.filter(project=project).first()
    if plan is None:
        return {}
    facts = set(plan.facts or [])
    departments = (
        DepartmentReview.objects.filter(review_round__plan=plan)
        .values_list("department__name", flat=True)
        .distinct()
    )
    return {
        "changes_use_scale_outline": bool(
            facts & {PlanFact.CHANGES_USE, PlanFact.ADDS_SCALE, PlanFact.CHANGES_HEIGHT}
        ),
        "land_mode": LandMode.TRANSITION if PlanFact.TRANSITION_POLICY in facts else "",
        "special_construction": PlanFact.SPECIAL_FIRE_DESIGN in facts,
        "government_invested": PlanFact.FISCAL_FUNDS in facts,
        "facade_works_in_designated_area": PlanFact.HERITAGE in facts,
        "water_works": False,
        "joint_review_departments": "、".join(sorted(set(departments))),
    }


def enter_permits(project: Project, *, actor, approval: dict, request=None) -> ProjectWorks:
    """Other path: record the industry approval and move the project from the implementation library."""
    works = works_for(project)

    def effects(locked):
        locked.industry_approval_document = approval["document"].strip()
        locked.industry_approval_on = approval["approved_on"]
        locked.industry_approval_body = approval["body"].strip()
        _stage(locked.project_id, WorksState.PERMITS, actor=actor, request=request)

    return WORKS.apply(
        works,
        "enter_permits",
        actor=actor,
        request=request,
        effects=effects,
        approval=approval,
        data={"document": approval.get("document", ""), "approved_on": str(approval.get("approved_on", ""))},
    )


def propose_checklist(project: Project, *, actor, facts: dict, request=None) -> ProjectWorks:
    """Store the facts and (re)write the proposal; lines staff already confirmed keep their decision."""
    works = works_for(project)

    def effects(locked):
        for name in FACT_FIELDS:
            if name in facts:
                setattr(locked, name, facts[name])
        existing = {line.procedure: line for line in PermitLine.objects.filter(project_id=locked.project_id)}
        for procedure, requirement, basis in propose(locked):
            line = existing.get(procedure)
            if line is None:
                PermitLine.objects.create(
                    project_id=locked.project_id,
                    procedure=procedure,
                    proposed=requirement,
                    proposed_basis=basis,
                    requirement=requirement,
                    basis=basis,
                )
            else:
                line.proposed, line.proposed_basis = requirement, basis
                if line.state == LineState.PROPOSED:
                    line.requirement, line.basis = requirement, basis
                line.save()

    return WORKS.apply(
        works, "propose", actor=actor, request=request, effects=effects, data={"facts": list(facts)}
    )


def confirm_line(line: PermitLine, *, actor, request=None) -> PermitLine:
    return PERMIT_LINE.apply(
        line, "confirm", actor=actor, request=request, data={"requirement": line.requirement}
    )


def change_line(
    line: PermitLine, *, actor, requirement: str, basis: str, reason: str, request=None
) -> PermitLine:
    def effects(locked):
        locked.requirement, locked.basis = requirement, basis.strip()

    return PERMIT_LINE.apply(
        line,
        "change",
        actor=actor,
        reason=reason,
        request=request,
        effects=effects,
        requirement=requirement,
        basis=basis,
        data={"from": line.requirement, "to": requirement},
    )


def grant_line(line: PermitLine, *, actor, record: dict, scan=None, request=None) -> PermitLine:
    """登记办理结果 with its document; a land record closes the 第十八条 clocks it answers."""

    def effects(locked):
        for key in (
            "document_number",
            "issued_on",
            "issuing_body",
            "applicant",
            "land_mode",
            "land_scope",
            "tax_pushed_on",
            "tax_confirmed_on",
            "transition_end_on",
            "note",
        ):
            if key in record and record[key] is not None:
                setattr(locked, key, record[key].strip() if isinstance(record[key], str) else record[key])
        if locked.procedure == Procedure.LAND:
            kinds = [DEADLINE_LAND_FIRST_PHASE]
            if locked.land_scope == LandScope.ALL:
                kinds.append(DEADLINE_LAND_ALL)
            close_deadlines(
                locked.project, kinds=kinds, reason=f"已登记用地手续（{locked.document_number}）", actor=actor
            )
        if scan is not None:
            attach(locked, scan, kind=PERMIT_SCAN_KIND, actor=actor, request=request)

    return PERMIT_LINE.apply(
        line,
        "grant",
        actor=actor,
        request=request,
        effects=effects,
        record=record,
        data={
            "document_number": record.get("document_number", ""),
            "issued_on": str(record.get("issued_on", "")),
        },
    )


# --- construction -------------------------------------------------------------------------------


def first_of_month(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def month_end(month: datetime.date) -> datetime.date:
    from permits.deadlines import MONTHLY_INVESTMENT_REPORT

    return MONTHLY_INVESTMENT_REPORT.start_of_month(month)


def next_month(month: datetime.date) -> datetime.date:
    return (month.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)


def report_due(month: datetime.date) -> tuple[datetime.date, bool]:
    """Due date of a month's report: the N-th working day after the month's last day (a setting)."""
    from renewal import deadline_kinds

    return deadline_kinds.get(DEADLINE_MONTHLY_INVESTMENT).due(month_end(month))


def ensure_investment_months(project: Project, *, today: datetime.date | None = None, actor=None) -> int:
    """Open each month's report (and its deadline) from the start month to the completion month, up to the
    current month; idempotent, so the daily task catches up. Returns how many months it opened."""
    today = today or workdays.today()
    project = Project.objects.get(pk=project.pk)  # the start date as stored, not a caller's stale copy
    if project.works_started_on is None:
        return 0
    works = works_for(project)
    last = first_of_month(today)
    if works.builder_accepted_on is not None:
        last = min(last, first_of_month(works.builder_accepted_on))
    have = set(InvestmentMonth.objects.filter(project=project).values_list("month", flat=True))
    entity = project.implementing_entity or project.coordinating_entity
    month, opened = first_of_month(project.works_started_on), 0
    while month <= last:
        if month not in have:
            period = InvestmentMonth.objects.create(project=project, month=month)
            open_deadline(
                period,
                kind=DEADLINE_MONTHLY_INVESTMENT,
                start=month_end(month),
                responsible_organization=entity,
                actor=actor,
                title=f"{month.year}年{month.month}月固定资产投资月报",
            )
            opened += 1
        month = next_month(month)
    return opened


def start_works(project: Project, *, actor, started_on, planned_completion_on=None, request=None):
    works = works_for(project)

    def effects(locked):
        Project.objects.filter(pk=locked.project_id).update(works_started_on=started_on)
        if planned_completion_on is not None:
            locked.planned_completion_on = planned_completion_on
        _stage(locked.project_id, WorksState.CONSTRUCTION, actor=actor, request=request)
        ensure_investment_months(Project.objects.get(pk=locked.project_id), actor=actor)

    return WORKS.apply(
        works,
        "start_works",
        actor=actor,
        request=request,
        effects=effects,
        started_on=started_on,
        data={"started_on": str(started_on)},
    )


def record_construction(project: Project, *, actor, data: dict, request=None) -> ProjectWorks:
    def effects(locked):
        for name in CONSTRUCTION_FIELDS:
            if name in data:
                setattr(locked, name, data[name])

    return WORKS.apply(
        works_for(project), "record_construction", actor=actor, request=request, effects=effects
    )


def record_annual_plan(
    project: Project, *, actor, year: int, amount: Decimal, request=None
) -> AnnualInvestmentPlan:
    def effects(locked):
        AnnualInvestmentPlan.objects.update_or_create(
            project_id=locked.project_id,
            year=year,
            defaults={
                "amount": amount,
                "updated_by": actor if getattr(actor, "is_authenticated", False) else None,
            },
        )

    WORKS.apply(
        works_for(project),
        "record_annual_plan",
        actor=actor,
        request=request,
        effects=effects,
        data={"year": year, "amount": str(amount)},
    )
    return AnnualInvestmentPlan.objects.get(project=project, year=year)


def since_start_with(period: InvestmentMonth, invested: Decimal) -> Decimal:
    """Since-start total if this month's figure were `invested` (other months: their counting version)."""
    others = (
        MonthlyInvestmentReport.objects.filter(
            project_id=period.project_id, is_current=True, month__lte=period.month
        )
        .exclude(month=period.month)
        .aggregate(total=Sum("invested"))["total"]
    )
    return (others or Decimal("0")) + Decimal(invested)


def last_report(project: Project, *, before: datetime.date | None = None) -> MonthlyInvestmentReport | None:
    reports = MonthlyInvestmentReport.objects.filter(project=project, is_current=True)
    if before is not None:
        reports = reports.filter(month__lt=before)
    return reports.order_by("-month").first()


def submit_report(
    period: InvestmentMonth, *, actor, data: dict, photos=(), request=None
) -> MonthlyInvestmentReport:
    """A new version of the month's report; the first one closes the month's deadline (on time or late)."""
    created = {}

    def effects(locked):
        previous = MonthlyInvestmentReport.objects.filter(period=locked, is_current=True).first()
        version = 1
        if previous is not None:
            previous.is_current = False
            previous.save(update_fields=["is_current"])
            version = previous.version + 1
        report = MonthlyInvestmentReport.objects.create(
            project_id=locked.project_id,
            period=locked,
            month=locked.month,
            version=version,
            invested=data["invested"],
            percent_explanation=(data.get("explanation") or "").strip(),
            progress_text=data["progress_text"].strip(),
            narrative=(data.get("narrative") or "").strip(),
            problems=(data.get("problems") or "").strip(),
            next_steps=(data.get("next_steps") or "").strip(),
            submitted_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        for photo in photos:
            attach(report, photo, kind=REPORT_PHOTO_KIND, actor=actor, request=request)
        if locked.reported_at is None:
            locked.reported_at = timezone.now()
            close_deadlines(locked, kinds=[DEADLINE_MONTHLY_INVESTMENT], reason="已填报", actor=actor)
        created["report"] = report

    INVESTMENT_MONTH.apply(
        period,
        "report",
        actor=actor,
        request=request,
        effects=effects,
        invested=data.get("invested"),
        progress_text=data.get("progress_text"),
        explanation=data.get("explanation"),
        data={"month": period.month.isoformat(), "invested": str(data.get("invested"))},
    )
    return created["report"]


# --- completion ---------------------------------------------------------------------------------


def record_builder_acceptance(project: Project, *, actor, accepted_on, request=None) -> ProjectWorks:
    """The builder's completion acceptance / self-check passed: with joint acceptance intended, the
    application is due within 5 working days (Haidian guidance 五(四))."""

    def effects(locked):
        locked.builder_accepted_on = accepted_on
        if locked.joint_acceptance_intended:
            project = Project.objects.get(pk=locked.project_id)
            open_deadline(
                locked,
                kind=DEADLINE_JOINT_ACCEPTANCE,
                start=accepted_on,
                responsible_organization=project.implementing_entity or project.coordinating_entity,
                actor=actor,
            )
        _stage(locked.project_id, WorksState.COMPLETION, actor=actor, request=request)

    return WORKS.apply(
        works_for(project),
        "record_builder_acceptance",
        actor=actor,
        request=request,
        effects=effects,
        accepted_on=accepted_on,
        data={"accepted_on": str(accepted_on)},
    )


def apply_joint_acceptance(project: Project, *, actor, applied_on=None, request=None) -> ProjectWorks:
    applied_on = applied_on or workdays.today()

    def effects(locked):
        locked.joint_acceptance_applied_on = applied_on
        close_deadlines(locked, kinds=[DEADLINE_JOINT_ACCEPTANCE], reason="已提交联合验收申请", actor=actor)

    return WORKS.apply(
        works_for(project),
        "apply_joint_acceptance",
        actor=actor,
        request=request,
        effects=effects,
        data={"applied_on": str(applied_on)},
    )


def library_exit_date(accepted_on: datetime.date) -> datetime.date:
    """First anniversary, 29 February → 28 February, no holiday shift (Haidian guidance 五(七))."""
    from renewal import deadline_kinds

    return deadline_kinds.get(DEADLINE_LIBRARY_EXIT).due(accepted_on)[0]


def _completed(locked: ProjectWorks, accepted_on, *, actor, request=None) -> None:
    Project.objects.filter(pk=locked.project_id).update(completion_accepted_on=accepted_on)
    open_deadline(locked, kind=DEADLINE_LIBRARY_EXIT, start=accepted_on, actor=actor)
    _stage(locked.project_id, WorksState.COMPLETED, actor=actor, request=request)


def pass_joint_acceptance(project: Project, *, actor, passed_on, request=None) -> ProjectWorks:
    def effects(locked):
        locked.joint_acceptance_passed_on = passed_on
        _completed(locked, passed_on, actor=actor, request=request)

    return WORKS.apply(
        works_for(project),
        "pass_joint_acceptance",
        actor=actor,
        request=request,
        effects=effects,
        passed_on=passed_on,
        data={"passed_on": str(passed_on)},
    )


def accept_separately(project: Project, *, actor, separate: str, request=None) -> ProjectWorks:
    def effects(locked):
        locked.separate_acceptances = separate.strip()
        _completed(locked, locked.builder_accepted_on, actor=actor, request=request)

    return WORKS.apply(
        works_for(project),
        "accept_separately",
        actor=actor,
        request=request,
        effects=effects,
        separate=separate,
    )


def record_registration(
    project: Project, *, actor, registered_on, applicant: str, request=None
) -> ProjectWorks:
    def effects(locked):
        locked.registration_on, locked.registration_applicant = registered_on, applicant.strip()

    return WORKS.apply(
        works_for(project),
        "record_registration",
        actor=actor,
        request=request,
        effects=effects,
        applicant=applicant,
        data={"registered_on": str(registered_on)},
    )


def record_business_licence(project: Project, *, actor, number: str, issued_on, request=None) -> ProjectWorks:
    """营业执照: the opinion and plan prove the premises; a pending registration does not block it
    (Haidian guidance 五(六); old-building measures 第二十六条)."""

    def effects(locked):
        locked.business_licence_number, locked.business_licence_on = number.strip(), issued_on

    return WORKS.apply(
        works_for(project),
        "record_business_licence",
        actor=actor,
        request=request,
        effects=effects,
        data={"number": number, "issued_on": str(issued_on)},
    )


# --- the exit -----------------------------------------------------------------------------------


def exit_due_projects(*, today: datetime.date | None = None) -> list[int]:
    """Exit every completed project whose first anniversary has come (Haidian guidance 五(七)); actor 系统.
    Idempotent and catching up: a project already exited is no longer completed."""
    today = today or workdays.today()
    exited = []
    candidates = ProjectWorks.objects.filter(
        state=WorksState.COMPLETED, project__completion_accepted_on__isnull=False
    ).select_related("project")
    for works in candidates:
        due = library_exit_date(works.project.completion_accepted_on)
        if due > today:
            continue

        def effects(locked, due=due):
            Project.objects.filter(pk=locked.project_id).update(library_exit_on=due, library=Library.EXITED)
            _stage(locked.project_id, WorksState.EXITED, actor=None, reason=EXIT_BASIS)
            # The exit is the status change the clock waited for: met on the anniversary itself.
            close_deadlines(locked, kinds=[DEADLINE_LIBRARY_EXIT], reason=EXIT_BASIS, on=due)

        with transaction.atomic():
            WORKS.apply(
                works,
                "exit",
                actor=None,
                reason=EXIT_BASIS,
                effects=effects,
                today=today,
                data={"exit_on": due.isoformat()},
            )
        exited.append(works.project_id)
    return exited


def open_due_months(*, today: datetime.date | None = None) -> int:
    """Open this month's report for every project under construction (the daily task; catches up)."""
    opened = 0
    projects = Project.objects.filter(
        works__state__in=(WorksState.CONSTRUCTION, WorksState.COMPLETION), works_started_on__isnull=False
    )
    for project in projects:
        with transaction.atomic():
            opened += ensure_investment_months(project, today=today)
    return opened

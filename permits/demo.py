"""Demo projects of the permits part, made through the services (so with audit, clocks and history), one
in each stage: 行政许可办理 (a planning-permit exemption and a facade permit), 施工建设 (monthly reports,
one late and the last month missing), 竣工验收 (joint acceptance application due), 已竣工待出库 and 已出库.

Each is an other-path project taken from the implementation library with its industry approval (Haidian
guidance 三). Past steps are taken "on" their own day (renewal.calendar.today is set for the step), so
lateness and the exit anniversary come out as they would have.
"""

import contextlib
import datetime
from decimal import Decimal
from unittest import mock

from django.core.files.uploadedfile import SimpleUploadedFile

from permits import services
from permits.choices import Procedure
from permits.models import InvestmentMonth, PermitLine
from projects import services as intake
from projects.choices import Opinion
from projects.demo import attach_required_materials, demo_pdf
from projects.models import Category, IntakeOpinion, Project, SubType
from renewal import calendar as workdays

PREFIX = "【演示】"
MARK = "（许可与建设）"


@contextlib.contextmanager
def on(day: datetime.date):
    """Take the steps inside as if today were `day` (the demo's only time travel)."""
    with mock.patch("renewal.calendar.today", lambda: day):
        yield


def months_ago(today: datetime.date, count: int) -> datetime.date:
    year, month = divmod(today.year * 12 + today.month - 1 - count, 12)
    return datetime.date(year, month + 1, 1)


def _project(entity, staff, reviewer, name, *, sub_type, investment, approved_on):
    project = intake.create_draft(
        actor=entity,
        data={
            "name": f"{PREFIX}{name}{MARK}",
            "category": sub_type.category,
            "sub_type": sub_type,
            "location": "海淀区" + name[:6],
            "renewal_goal": "综合整治与功能提升",
            "total_investment": Decimal(investment),
            "land_area": Decimal("12000"),
            "building_area": Decimal("36000"),
            "funding_sources": "市区财政资金 40%；实施主体自筹 60%",
        },
    )
    attach_required_materials(project, entity)
    intake.submit(project, actor=entity)
    intake.route(project, actor=staff, departments=[reviewer.organization])
    intake.record_opinion(
        IntakeOpinion.objects.get(project=project, department=reviewer.organization),
        actor=reviewer,
        decision=Opinion.AGREE,
        text="同意。",
    )
    intake.admit(project, actor=staff, note="区城市更新专班会议纪要〔2025〕3号")
    intake.move_to_implementation(
        project,
        actor=staff,
        reason="实施条件具备，按相关行业政策实施",
        requirements={
            "planning_requirements": "不改变建筑使用功能、规模和外轮廓",
            "function_requirements": "完善社区养老、托育和便民服务设施",
            "supervision_requirements": "按月填报固定资产投资进展",
        },
        confirmation=SimpleUploadedFile("主体确认文件.pdf", demo_pdf("Implementing entity confirmation")),
    )
    project.refresh_from_db()
    services.enter_permits(
        project,
        actor=staff,
        approval={"document": "海住建函〔2025〕21号", "approved_on": approved_on, "body": "区住房城乡建设委"},
    )
    project.refresh_from_db()
    return project


def _clear(project, entity, staff, day, *, facts):
    services.propose_checklist(project, actor=entity, facts=facts)
    for line in PermitLine.objects.filter(project=project):
        line = services.confirm_line(line, actor=staff)
        if line.requirement == "required":
            services.grant_line(
                line,
                actor=entity,
                record={
                    "document_number": f"海{line.get_procedure_display()[:2]}〔{day.year}〕{line.pk:03d}号",
                    "issued_on": day,
                    "issuing_body": "海淀区有关主管部门",
                    "land_scope": "all",
                },
            )


def _started(project, entity, staff, start, *, until, facts=None, reports=None, late=()):
    """Works started on `start`; the months up to `until` opened, the first `reports` of them (all by
    default) reported on their due day, those in `late` three working days after it."""
    with on(start):
        _clear(project, entity, staff, start, facts=facts or {"changes_use_scale_outline": False})
        services.start_works(
            project,
            actor=entity,
            started_on=start,
            planned_completion_on=start + datetime.timedelta(days=365),
        )
        services.record_annual_plan(
            project, actor=entity, year=start.year, amount=Decimal(project.total_investment) / 2
        )
    services.ensure_investment_months(project, today=until)
    periods = list(InvestmentMonth.objects.filter(project=project).order_by("month"))[:reports]
    for index, period in enumerate(periods):
        due = services.report_due(period.month)[0]
        day = workdays.add_working_days(due, 3).due if index in late else due
        with on(min(day, workdays.today())):
            services.submit_report(
                period,
                actor=entity,
                data={
                    "invested": (Decimal(project.total_investment) / 14).quantize(Decimal("0.01")),
                    "progress_text": ["基础施工", "主体结构施工", "外立面与机电安装", "室内装修"][index % 4],
                    "narrative": "按计划推进",
                    "next_steps": "继续推进下一阶段施工",
                },
            )
    project.refresh_from_db()
    return project


def _completed(project, entity, staff, accepted_on):
    with on(accepted_on):
        services.record_builder_acceptance(project, actor=entity, accepted_on=accepted_on)
        services.accept_separately(project, actor=staff, separate="规划、消防、人防等部门已分别验收合格")
    project.refresh_from_db()
    return project


def load(stdout, context=None) -> dict:
    if Project.objects.filter(name__startswith=PREFIX, name__endswith=MARK).exists():
        stdout.write("许可与建设演示项目已存在，未重复创建。")
        return {}
    users = (context or {}).get("users", {})
    entity, staff, reviewer = users.get("hd_entity"), users.get("hd_staff"), users.get("hd_fgw")
    if entity is None or staff is None or reviewer is None:
        stdout.write("缺少演示用户，未创建许可与建设演示项目。")
        return {}
    today = workdays.today()
    residential = Category.objects.get(code="residential")
    complete = SubType.objects.get(category=residential, name="老旧小区综合整治")

    # 行政许可办理: planning permit exempt, facade works on an important street → facade permit first.
    permits = _project(
        entity,
        staff,
        reviewer,
        "学院路街道石油大院综合整治",
        sub_type=complete,
        investment="2600",
        approved_on=today,
    )
    services.propose_checklist(
        permits,
        actor=entity,
        facts={"changes_use_scale_outline": False, "facade_works_in_designated_area": True, "land_mode": ""},
    )
    for line in PermitLine.objects.filter(project=permits).exclude(procedure=Procedure.FIRE_REVIEW):
        services.confirm_line(line, actor=staff)
    facade = PermitLine.objects.get(project=permits, procedure=Procedure.FACADE_PERMIT)
    services.grant_line(
        facade,
        actor=entity,
        record={
            "document_number": "建字第110108202500123号",
            "issued_on": today,
            "issuing_body": "北京市规划和自然资源委员会海淀分局",
        },
    )

    # 施工建设: started four months ago; two reports (the second late), the next month overdue (red).
    start = months_ago(today, 4) + datetime.timedelta(days=9)
    building = _project(
        entity,
        staff,
        reviewer,
        "花园路街道北影小区综合整治",
        sub_type=complete,
        investment="4800",
        approved_on=start,
    )
    _started(building, entity, staff, start, until=today, reports=2, late=(1,))

    # 竣工验收: builder's acceptance two working days ago, joint acceptance intended → application due.
    start = months_ago(today, 10)
    completing = _project(
        entity,
        staff,
        reviewer,
        "八里庄街道永定路小区综合整治",
        sub_type=complete,
        investment="3100",
        approved_on=start,
    )
    accepted = min(workdays.add_working_days(today - datetime.timedelta(days=10), 4).due, today)
    _started(
        completing,
        entity,
        staff,
        start,
        until=accepted,
        facts={"joint_acceptance_intended": True, "risk_level": "low"},
    )
    with on(accepted):
        services.record_builder_acceptance(completing, actor=entity, accepted_on=accepted)

    # 已竣工待出库: accepted eight months ago; "将于…出库".
    start = months_ago(today, 20)
    completed = _project(
        entity,
        staff,
        reviewer,
        "紫竹院街道车道沟小区综合整治",
        sub_type=complete,
        investment="2200",
        approved_on=start,
    )
    accepted = months_ago(today, 8) + datetime.timedelta(days=14)
    _started(completed, entity, staff, start, until=accepted)
    _completed(completed, entity, staff, accepted)

    # 已出库: accepted fourteen months ago; the daily exit has run.
    start = months_ago(today, 26)
    exited = _project(
        entity,
        staff,
        reviewer,
        "甘家口街道增光路小区综合整治",
        sub_type=complete,
        investment="1800",
        approved_on=start,
    )
    accepted = months_ago(today, 14) + datetime.timedelta(days=3)
    _started(exited, entity, staff, start, until=accepted)
    _completed(exited, entity, staff, accepted)
    services.exit_due_projects(today=today)

    stdout.write("许可与建设演示项目：5 个（行政许可、施工建设、竣工验收、已竣工待出库、已出库）")
    return {"permits_projects": [permits.pk, building.pk, completing.pk, completed.pk, exited.pk]}

"""Demo plans, made through the services (so with audit, clocks and history), after projects/demo.py:

- 西苑片区: in joint review, the development and reform commission and the planning branch still to answer;
- 学院路片区: under public notice, its window open on whatever day `make run` is run, with public comments:
  one published and answered (answer published), one published awaiting an answer, one received awaiting
  moderation (with personal data to mask) and one declined;
- 北下关片区: hd_entity's implementation plan still being drafted (编制中).

A plan's figures are its project's own (总投资 in 万元, areas in 平方米), so the ledger and the public notice
show the same numbers.
"""

import datetime
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from projects import services as intake
from projects.demo import attach_required_materials, demo_pdf
from projects.models import Category, CityPlanBatch, Project, SubType
from renewal import calendar as workdays
from renewal.attachments import attach
from renewal.choices import Role
from renewal.models import User
from review import services
from review.choices import CommentKind, Decision, DeliverableKind
from review.models import DepartmentReview, ImplementationPlan

JOINT_REVIEW_PROJECT = "【演示】海淀老街区（西苑片区）更新"  # made by projects/demo.py
PUBLICITY_PROJECT = "【演示】学院路街道城市更新片区"
DRAFTING_PROJECT = "【演示】北下关街道大柳树片区城市更新"

# Applications of this module were received this many working days ago (admitted today, in time).
RECEIVED_WORKDAYS_AGO = 9
# The notice was published this many working days before today: its window (from the first working day
# after publication) has opened, whatever today is, and has 15 − 3 = 12 working days to run.
PUBLISHED_WORKDAYS_AGO = 3


def _number(value) -> str:
    """A project's Decimal as a module value: 54000.00 → "54000"."""
    return format(Decimal(value).normalize(), "f")


def _modules(project: Project, *, scope, positioning, land_use, scale_before, fiscal, self_raised) -> dict:
    """All the modules a submitted demo plan fills: land area, planned building scale and total investment
    are the project's own; the funding split (万元) matches the project's stated sources."""
    today = workdays.today()
    total = Decimal(project.total_investment)
    fiscal, self_raised = Decimal(fiscal), Decimal(self_raised)
    land_area = _number(project.land_area)
    return {
        "basic_info": {
            "renewal_type": "区域综合性",
            "scope": scope,
            "method": "综合整治与功能提升",
            "land_area": land_area,
        },
        "assessment": {
            "status_survey": f"{scope}现状调查已完成，老旧住宅与低效商业设施并存",
            "heritage_survey": "1",
        },
        "positioning": {"positioning": positioning},
        "planning": {
            "land_use": land_use,
            "land_area": land_area,
            "building_scale_before": _number(scale_before),
            "building_scale": _number(project.building_area),
            "building_height_before": "18",
            "building_height": "18",
            "traffic": "打通两条微循环道路，新增慢行系统",
        },
        "funding": {
            "total": _number(total),
            "fiscal": _number(fiscal),
            "social": _number(total - fiscal - self_raised),
            "self_raised": _number(self_raised),
        },
        "phasing": {
            "phases": "分三期实施",
            "start": f"{today.year + 1}年3月",
            "completion": f"{today.year + 3}年12月",
        },
        # 民法典 第二百七十八条: participation ≥ 2/3 of area and heads; more than half of them agree.
        "consultation": {
            "common_decision": "1",
            "total_area": "98000",
            "holders_count": "1260",
            "participant_area": "86000",
            "participant_count": "1152",
            "agree_area": "78500",
            "agree_count": "1108",
            "vote_date": (today - datetime.timedelta(days=45)).isoformat(),
            "vote_summary": "业主大会表决通过",
        },
    }


def _pdf(name: str, title: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, demo_pdf("Urban renewal portal - demo plan", title))


def _implementation_project(entity, staff, *, name, sub_type, note, **data) -> Project:
    """An intake application with its required materials, received a few working days ago, admitted and
    moved to the implementation library, as projects/demo.py makes its projects."""
    regional = Category.objects.get(code="regional")
    project = intake.create_draft(
        actor=entity,
        data={
            "name": name,
            "category": regional,
            "sub_type": SubType.objects.get(category=regional, name=sub_type),
            **data,
        },
    )
    attach_required_materials(project, entity)
    intake.submit(project, actor=entity, received_on=workdays_before(workdays.today(), RECEIVED_WORKDAYS_AGO))
    intake.admit(project, actor=staff, note=note)
    # 实施条件认定 is the sub-type's lead department's step (Haidian guidance 三(二)).
    lead = (
        User.objects.filter(
            role=Role.REVIEWER,
            organization__district_id=project.district_id,
            organization__department_code=project.sub_type.lead_department,
        ).first()
        or staff
    )
    project = intake.move_to_implementation(
        project,
        actor=lead,
        reason="统筹主体已确认，规划及监管要求基本明确",
        requirements={
            "planning_requirements": "符合街区控制性详细规划，建筑高度不增加",
            "function_requirements": "居住为主，补齐养老、托育和停车设施",
            "supervision_requirements": "区住建委牵头，属地街道日常监管",
        },
        confirmation=_pdf("主体确认文件.pdf", "Entity confirmation"),
    )
    return _in_city_plan(project)


def _in_city_plan(project) -> Project:
    """Joint review measures 第二条、第五条: a plan is jointly reviewed only for a project in the city's
    城市更新计划; the demo's projects are in a demo batch unless the projects demo put them in one."""
    if project.city_plan_batch_id:
        return project
    batch, _ = CityPlanBatch.objects.get_or_create(
        name="【演示】2026年第一批",
        defaults={
            "document_number": "京城更办〔2026〕1号（演示）",
            "approved_on": workdays_before(workdays.today(), 20),
            "approving_body": "北京市城市更新专项小组办公室",
        },
    )
    Project.objects.filter(pk=project.pk).update(
        reported_to_city_on=project.reported_to_city_on or workdays_before(workdays.today(), 40),
        city_plan_batch=batch,
    )
    project.refresh_from_db()
    return project


def _submitted_plan(project, entity, modules):
    plan = services.start_plan(project, actor=entity)
    plan = services.save_plan(plan, actor=entity, modules=modules, facts=["operation"])
    # 联合审查办法 第六条: the application, the entity's licences and the plan.
    attach(plan, _pdf("联合审查申请书.pdf", "Application"), kind=DeliverableKind.APPLICATION, actor=entity)
    attach(plan, _pdf("营业执照.pdf", "Licence"), kind=DeliverableKind.LICENCE, actor=entity)
    attach(plan, _pdf("实施方案文本.pdf", "Implementation plan"), kind=DeliverableKind.TEXT, actor=entity)
    attach(plan, _pdf("协商表决情况.pdf", "Owners' vote"), kind=DeliverableKind.ANNEX_VOTE, actor=entity)
    return services.submit(plan, actor=entity, note="首次报送")


def _answer(plan, users, *, waiting=()):
    """Every routed department agrees, except those in `waiting`."""
    for review in DepartmentReview.objects.filter(review_round__plan=plan).select_related("department"):
        if review.department_id not in waiting:
            reviewer = User.objects.get(organization=review.department, role=Role.REVIEWER)
            services.record_decision(review, actor=reviewer, decision=Decision.AGREE, text="同意。")


def workdays_before(day: datetime.date, count: int) -> datetime.date:
    """The date `count` working days before `day` (so `day` is at most the count-th working day after it)."""
    snapshot = workdays.WorkCalendar(day - datetime.timedelta(days=count * 2 + 30), day)
    counted = 0
    while counted < count:
        day -= datetime.timedelta(days=1)
        counted += snapshot.is_workday(day)
    return day


def _joint_review(users):
    entity, staff = users["hd_entity"], users["hd_staff"]
    project = _in_city_plan(Project.objects.get(name=JOINT_REVIEW_PROJECT))
    modules = _modules(
        project,
        scope="西苑片区",
        positioning="历史文化与科技创新融合的宜居活力街区",
        land_use="居住、商业混合",
        scale_before="152000",
        fiscal="20000",
        self_raised="20000",
    )
    plan = services.start_joint_review(_submitted_plan(project, entity, modules), actor=staff)
    _answer(plan, users, waiting={users["hd_fgw"].organization_id, users["hd_planning"].organization_id})


def _publicity(users):
    entity, staff = users["hd_entity"], users["hd_staff"]
    project = _implementation_project(
        entity,
        staff,
        name=PUBLICITY_PROJECT,
        sub_type="活力片区",
        note="区政府专题会议纪要〔2026〕11号",
        location="海淀区学院路街道",
        renewal_goal="片区综合更新：补齐社区养老、托育和停车设施，提升街区公共空间品质",
        total_investment=Decimal("54000"),
        land_area=Decimal("52000"),
        building_area=Decimal("80000"),
        funding_sources="市区财政资金 10800 万元；社会资本 29700 万元；实施主体自筹 13500 万元",
    )
    modules = _modules(
        project,
        scope="学院路街道片区",
        positioning="科技创新与宜居生活融合的活力街区",
        land_use="居住、商业、公共服务设施混合",
        scale_before="76000",
        fiscal="10800",
        self_raised="13500",
    )
    plan = services.start_joint_review(_submitted_plan(project, entity, modules), actor=staff)
    _answer(plan, users)
    # Published a few working days ago, so the window is open today and the public can comment at once.
    today = workdays.today()
    published_on = workdays_before(today, PUBLISHED_WORKDAYS_AGO)
    plan = services.issue_opinion(plan, actor=staff, issued_on=workdays_before(published_on, 1))
    plan = services.publish(plan, actor=staff, published_on=published_on)
    publicity = plan.publicities.get()

    now = timezone.now()
    asked_at = min(now, publicity.starts_at + datetime.timedelta(hours=10))
    suggestion = services.submit_comment(
        publicity,
        kind=CommentKind.SUGGESTION,
        text="建议在片区内增设社区养老服务驿站，并在施工期间保留现有的早市和便民菜站。",
        contact="演示联系方式（不公开）",
        name="演示居民",
        client="demo",
        now=asked_at,
    )
    # Issue 9: nothing is public before staff read it. Published and answered (answer published too) …
    suggestion = services.publish_comment(suggestion, actor=staff, text=services.masked_text(suggestion))
    suggestion = services.respond_to_comment(
        suggestion,
        actor=staff,
        response="感谢您的建议。实施方案已在3号楼首层规划社区养老服务驿站；施工期间便民菜站临时迁至片区北侧，早市照常开放。",
    )
    services.publish_answer(suggestion, actor=staff, text=services.masked_response(suggestion))
    # … published, awaiting an answer …
    support = services.submit_comment(
        publicity,
        kind=CommentKind.SUPPORT,
        text="支持片区更新，希望尽快开工，同时增加非机动车停放位置。",
        contact="演示联系方式（不公开）",
        client="demo",
        now=min(now, asked_at + datetime.timedelta(hours=2)),
    )
    services.publish_comment(support, actor=staff, text=services.masked_text(support))
    # … received, with personal data for the moderation page to highlight …
    services.submit_comment(
        publicity,
        kind=CommentKind.OBJECTION,
        text="我是王建国，住学院路30号院5号楼2单元301室，电话138-1234-5678。反对在我家楼下增设机动车停车场，噪音和尾气影响休息。",
        contact="13812345678",
        name="王建国",
        notify_email="wangjianguo@example.com",
        client="demo",
        now=min(now, asked_at + datetime.timedelta(hours=3)),
    )
    # … and one declined.
    advert = services.submit_comment(
        publicity,
        kind=CommentKind.SUGGESTION,
        text="专业疏通下水道、开锁换锁，价格优惠，欢迎来电。",
        contact="演示联系方式（不公开）",
        client="demo",
        now=min(now, asked_at + datetime.timedelta(hours=4)),
    )
    services.decline_comment(advert, actor=staff, reason="与本项目无关的广告信息，不予公开。")


def _drafting(users):
    entity, staff = users["hd_entity"], users["hd_staff"]
    project = _implementation_project(
        entity,
        staff,
        name=DRAFTING_PROJECT,
        sub_type="老旧街区改造",
        note="区政府专题会议纪要〔2026〕15号",
        location="海淀区北下关街道大柳树片区",
        renewal_goal="老旧街区改造：整治老旧平房和简易楼，打通消防通道，补齐社区服务设施",
        total_investment=Decimal("23600"),
        land_area=Decimal("31000"),
        building_area=Decimal("42000"),
        funding_sources="财政资金 30%；实施主体自筹 70%",
    )
    plan = services.start_plan(project, actor=entity)
    services.save_plan(
        plan,
        actor=entity,
        modules={
            "basic_info": {
                "renewal_type": "街区更新",
                "scope": "大柳树片区（北至大柳树路，南至交大东路）",
                "method": "综合整治",
                "land_area": _number(project.land_area),
            },
            "positioning": {"positioning": "安全宜居、配套完善的老城街区"},
        },
        facts=[],
    )


def load(stdout, context=None) -> dict:
    users = context["users"]
    if ImplementationPlan.objects.filter(project__name=JOINT_REVIEW_PROJECT).exists():
        stdout.write("演示实施方案已存在，未重复创建。")
        return {}
    _joint_review(users)
    _publicity(users)
    _drafting(users)
    stdout.write(
        "演示实施方案：1 个联合审查中（待发展改革委、规划分局答复），1 个公示中（公示期含今天，"
        "公众可在 /publicity/ 查阅并提出意见），1 个编制中（hd_entity）"
    )
    return {}

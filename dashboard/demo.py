"""Demo investment targets for the leadership dashboard: this year and next, for 海淀 (the district total,
split by lead department and by locality) and 西城, each with its source document. Safe to re-run."""

from decimal import Decimal

from dashboard.models import InvestmentTarget
from renewal import calendar as workdays
from renewal.choices import DepartmentCode
from renewal.models import District

# The district-report arithmetic of DOMAIN.md §5: target 69 亿元 this year, 89 亿元 next year (+28.99%).
HAIDIAN = [
    ("", "", "69", "this"),
    ("", "", "89", "next"),
    (DepartmentCode.HOUSING, "", "30", "this"),
    (DepartmentCode.DEVELOPMENT_REFORM, "", "20", "this"),
    (DepartmentCode.COMMERCE, "", "12", "this"),
    (DepartmentCode.ECONOMY_IT, "", "7", "this"),
    ("", "学院路街道", "18", "this"),
    ("", "中关村科学城", "26", "this"),
    ("", "海淀街道", "25", "this"),
]
XICHENG = [("", "", "40", "this"), ("", "", "45", "next")]


def report_to_city(project, staff, *, plan: bool) -> None:
    """上报市级, and for one of them 纳入城市更新计划 in a demo batch (the projects app's library steps),
    so that the dashboard's 上报市级 / 纳入计划 figure has data."""
    try:
        from projects import library
        from projects.models import CityPlanBatch
    except ImportError:  # the projects app without the city plan
        return
    today = workdays.today()
    project = library.report_to_city(project, actor=staff, reported_on=today)
    if plan:
        batch, _ = CityPlanBatch.objects.get_or_create(
            name=f"{today.year}年第一批（演示）",
            defaults={
                "document_number": f"京更新办〔{today.year}〕1号（演示）",
                "approved_on": today,
                "approving_body": "北京市城市更新工作专班",
            },
        )
        library.admit_to_city_plan(project, actor=staff, batch=batch)


def district_projects(stdout, users) -> None:
    """Projects admitted five working days after their admission-notice clock fell due (a deadline met late
    this year, for the supervision figures) in 海淀 and 西城, and a just-received one in 西城, so that a city
    leader has two districts to compare."""
    from projects import services
    from projects.choices import DEADLINE_ADMISSION_NOTICE
    from projects.demo import _draft, _received, working_days_ago
    from projects.models import Category, Project, SubType
    from renewal import deadline_kinds

    if Project.objects.filter(name__startswith="【演示】西城").exists():
        return
    today = workdays.today()
    notice_days = deadline_kinds.get(DEADLINE_ADMISSION_NOTICE).amount
    regional = Category.objects.get(code="regional")
    public_space = Category.objects.get(code="public_space")
    made = 0
    # 区域综合性: admitted on the district government's decision (Haidian guidance 三(一)), no routing.
    for entity_key, staff_key, name, place, amount in (
        ("hd_entity", "hd_staff", "【演示】海淀中关村西区片区综合更新", "海淀区海淀街道", "64000"),
        ("xc_entity", "xc_staff", "【演示】西城金融街片区综合更新", "西城区金融街街道", "42000"),
    ):
        entity, staff = users.get(entity_key), users.get(staff_key)
        if entity is None or staff is None:
            continue
        late = _draft(
            entity,
            name,
            regional,
            SubType.objects.filter(category=regional).order_by("order", "pk").first(),
            location=place,
            goal="片区统筹低效楼宇功能置换与节能改造，补充商务配套和公共空间",
            investment=amount,
        )
        _received(late, entity, working_days_ago(notice_days + 5, today))
        late = services.admit(late, actor=staff, note="区政府专题会议纪要（演示）")
        report_to_city(late, staff, plan=entity_key == "hd_entity")
        made += 1
    if users.get("xc_entity") is not None:
        fresh = _draft(
            users["xc_entity"],
            "【演示】西城什刹海背街小巷治理",
            public_space,
            SubType.objects.filter(category=public_space).order_by("order", "pk").first(),
            location="西城区什刹海街道",
            goal="背街小巷环境整治，提升街巷公共空间品质",
            investment="1800",
        )
        _received(fresh, users["xc_entity"], working_days_ago(1, today))
        made += 1
    stdout.write(f"驾驶舱演示项目：{made} 个（海淀、西城各 1 个逾期入库，供市级领导对比各区）")


def load(stdout, context=None) -> dict:
    year = workdays.today().year
    district_projects(stdout, (context or {}).get("users", {}))
    staff = (context or {}).get("users", {}).get("hd_staff")
    made = 0
    for code, rows in (("110108", HAIDIAN), ("110102", XICHENG)):
        district = District.objects.get(code=code)
        for department, locality, amount, which in rows:
            target_year = year if which == "this" else year + 1
            _, created = InvestmentTarget.objects.update_or_create(
                year=target_year,
                district=district,
                lead_department=department,
                locality=locality,
                defaults={
                    "amount": Decimal(amount),
                    "source_document": f"{district.name}{target_year}年城市更新工作要点（演示）",
                    "created_by": staff if code == "110108" else None,
                },
            )
            made += created
    stdout.write(f"投资目标：{year}年、{year + 1}年（新增{made}条）")
    return {}

"""Demo projects in every state of the intake stage, made through the services (so with audit and clocks)."""

from decimal import Decimal

from projects import services
from projects.choices import Library, Opinion, Source, Stage
from projects.models import Category, IntakeOpinion, Project, SubType
from renewal import calendar as workdays


def _draft(entity, name, category, sub_type, **extra):
    data = {
        "name": name,
        "category": category,
        "sub_type": sub_type,
        "location": extra.pop("location", "海淀区学院路街道"),
        "renewal_goal": extra.pop("goal", "改善居住条件，补齐社区服务设施短板"),
        "total_investment": Decimal(extra.pop("investment", "3200")),
        "land_area": Decimal("12000"),
        "building_area": Decimal("36000"),
        "funding_sources": "财政资金 40%；实施主体自筹 60%",
        **extra,
    }
    return services.create_draft(actor=entity, data=data)


def load(stdout, context=None) -> dict:
    users = context["users"]
    if Project.objects.filter(name__startswith="【演示】").exists():
        stdout.write("演示项目已存在，未重复创建。")
        return {}
    entity, entity2, staff = users["hd_entity"], users["hd_entity2"], users["hd_staff"]
    fgw, planning = users["hd_fgw"], users["hd_planning"]
    residential = Category.objects.get(code="residential")
    industrial = Category.objects.get(code="industrial")
    regional = Category.objects.get(code="regional")
    old_estate = SubType.objects.get(category=residential, name="老旧小区综合整治")
    lift = SubType.objects.get(category=residential, name="老楼加装电梯")
    building = SubType.objects.get(category=industrial, name="低效楼宇更新改造")
    block = SubType.objects.get(category=regional, name="老旧街区改造")

    _draft(entity, "【演示】志新村小区加装电梯（草稿）", residential, lift)

    submitted = _draft(entity2, "【演示】学院路街道展春园小区综合整治", residential, old_estate)
    services.submit(submitted, actor=entity2)

    reviewing = _draft(entity, "【演示】清河街道毛纺北小区综合整治", residential, old_estate)
    services.submit(reviewing, actor=entity)
    services.route(reviewing, actor=staff, departments=[fgw.organization, planning.organization])
    services.record_opinion(
        IntakeOpinion.objects.get(project=reviewing, department=fgw.organization),
        actor=fgw,
        decision=Opinion.AGREE,
        text="符合区域发展定位，同意入库。",
    )

    supplement = _draft(
        entity,
        "【演示】中关村大街低效楼宇更新改造",
        industrial,
        building,
        location="中关村大街27号",
        investment="18500",
        changes_land_or_building=True,
    )
    services.submit(supplement, actor=entity)
    services.request_supplement(supplement, actor=staff, items="1. 补充产权证明；2. 补充资金匡算明细表")

    rejected = _draft(entity2, "【演示】某商业设施改造（不予入库）", industrial, building, investment="900")
    services.submit(rejected, actor=entity2)
    services.reject(rejected, actor=staff, reason="不符合相关国土空间规划")

    reserve = _draft(
        entity, "【演示】北太平庄街道老旧小区综合整治", residential, old_estate, investment="5600"
    )
    services.submit(reserve, actor=entity)
    services.route(reserve, actor=staff, departments=[fgw.organization, planning.organization])
    for reviewer in (fgw, planning):
        services.record_opinion(
            IntakeOpinion.objects.get(project=reserve, department=reviewer.organization),
            actor=reviewer,
            decision=Opinion.AGREE,
            text="同意。",
        )
    services.admit(reserve, actor=staff)

    implementation = _draft(
        entity,
        "【演示】海淀老街区（西苑片区）更新",
        regional,
        block,
        investment="86000",
        location="海淀区海淀街道西苑片区",
    )
    services.submit(implementation, actor=entity)
    services.admit(implementation, actor=staff, note="区政府专题会议纪要〔2026〕8号")
    services.move_to_implementation(
        implementation, actor=staff, reason="已取得统筹主体确认文件，规划、功能业态及监管要求基本明确"
    )

    today = workdays.today()
    Project.objects.create(
        district=staff.district,
        code="HD-2024-0153",
        name="【演示】上地信息路老旧楼宇更新（导入）",
        total_investment=Decimal("42000"),
        source=Source.IMPORT,
        library=Library.IMPLEMENTATION,
        stage=Stage.IMPLEMENTATION,
        admitted_on=today,
        implementation_on=today,
        created_by=staff,
    )
    stdout.write(
        f"演示项目：{Project.objects.filter(name__startswith='【演示】').count()} 个（覆盖入库阶段的各个状态）"
    )
    return {}

"""Demo projects in every state of the intake stage, made through the services (so with audit, clocks and
files).

Receipt days of the open applications lie in the past, computed from the working calendar, so that on any
day `make run` is started the intake clocks show every light: one 10-working-day review overdue (red, with
its working days overdue), one due within the warning window (yellow) and one just received (green).
"""

import datetime
import re
from decimal import Decimal

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from projects import library, services
from projects.choices import (
    DEADLINE_INTAKE_REVIEW,
    REQUIRED_INTAKE_MATERIALS,
    Library,
    Opinion,
    Source,
    Stage,
)
from projects.models import Category, CityPlanBatch, DistrictLibrarySettings, IntakeOpinion, Project, SubType
from renewal import calendar as workdays
from renewal import deadline_kinds
from renewal.attachments import attach
from renewal.models import District

HAIDIAN_BASIS = "《海淀区城市更新实施指引（2025年版）》（海政发〔2025〕4号）三(一)规定"

MATERIAL_FILES = {"申报材料": "入库申请书.pdf", "资金匡算": "资金匡算表.pdf"}
MATERIAL_TITLES = {"申报材料": "Intake application form", "资金匡算": "Investment estimate"}


def demo_pdf(*lines: str) -> bytes:
    """A small, well-formed one-page PDF (catalogue, page tree, page, font, content, xref) with ASCII text."""
    text = "".join(
        f"BT /F1 14 Tf 72 {760 - 24 * number} Td ({line.replace('(', '[').replace(')', ']')}) Tj ET\n"
        for number, line in enumerate(lines)
    ).encode("ascii")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length " + str(len(text)).encode() + b" >>\nstream\n" + text + b"endstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def attach_required_materials(project: Project, actor, kinds=REQUIRED_INTAKE_MATERIALS) -> None:
    """Upload the materials an application cannot be submitted or admitted without (申报材料, 资金匡算)."""
    for kind in kinds:
        content = demo_pdf("Urban renewal portal - demo material", MATERIAL_TITLES.get(kind, "Material"))
        attach(
            project,
            SimpleUploadedFile(MATERIAL_FILES.get(kind, f"{kind}.pdf"), content),
            kind=kind,
            actor=actor,
        )


def working_days_ago(count: int, today: datetime.date) -> datetime.date:
    """The `count`-th working day before today, read from the working calendar."""
    snapshot = workdays.WorkCalendar(today - datetime.timedelta(days=count * 2 + 40), today)
    day, counted = today, 0
    while counted < count:
        day -= datetime.timedelta(days=1)
        counted += snapshot.is_workday(day)
    return day


def _locality(location: str) -> str:
    """The 街道/镇 a location names ("海淀区清河街道毛纺北小区" → "清河街道"); 中关村 for the science city."""
    match = re.match(r"海淀区(.+?(?:街道|镇))", location)
    return match.group(1) if match else "中关村科学城"


def _draft(entity, name, category, sub_type, *, goal, **extra):
    location = extra.pop("location", "海淀区学院路街道")
    data = {
        "name": name,
        "category": category,
        "sub_type": sub_type,
        "location": location,
        "locality": extra.pop("locality", _locality(location)),
        "renewal_goal": goal,
        "total_investment": Decimal(extra.pop("investment", "3200")),
        "land_area": Decimal(extra.pop("land_area", "12000")),
        "building_area": Decimal(extra.pop("building_area", "36000")),
        "funding_sources": extra.pop("funding", "市区财政资金 40%；实施主体自筹 60%"),
        **extra,
    }
    return services.create_draft(actor=entity, data=data)


def _received(project, entity, received_on):
    """Materials on file, then the application received on `received_on`."""
    attach_required_materials(project, entity)
    return services.submit(project, actor=entity, received_on=received_on)


def load(stdout, context=None) -> dict:
    users = context["users"]
    if Project.objects.filter(name__startswith="【演示】").exists():
        stdout.write("演示项目已存在，未重复创建。")
        return {}
    entity, entity2, staff = users["hd_entity"], users["hd_entity2"], users["hd_staff"]
    fgw, planning = users["hd_fgw"], users["hd_planning"]
    today = workdays.today()
    review_days = deadline_kinds.get(DEADLINE_INTAKE_REVIEW).amount
    warning = settings.DEADLINE_WARNING_WORKDAYS
    residential = Category.objects.get(code="residential")
    industrial = Category.objects.get(code="industrial")
    facility = Category.objects.get(code="facility")
    regional = Category.objects.get(code="regional")

    def sub_type(category, name):
        return SubType.objects.get(category=category, name=name)

    # 草稿: only its entity sees it; one of the two required materials is still missing.
    draft = _draft(
        entity,
        "【演示】志新村小区加装电梯（草稿）",
        residential,
        sub_type(residential, "老楼加装电梯"),
        location="海淀区学院路街道志新村小区1—6号楼",
        goal="为6栋多层住宅加装12部电梯，解决老年居民上下楼难题，同步改造单元入口无障碍坡道",
        investment="960",
        land_area="8600",
        building_area="21000",
        funding="市区财政补助每部电梯64万元；业主自筹及公积金提取",
    )
    attach_required_materials(draft, entity, kinds=("申报材料",))

    # 草稿 naming another organisation as 统筹主体: waits for hd_entity's confirmation (issue 9), which
    # hd_entity finds in its 入库申请 inbox.
    coordinated = _draft(
        entity2,
        "【演示】学院路街道二里庄社区公共空间提升（待统筹主体确认）",
        Category.objects.get(code="public_space"),
        sub_type(Category.objects.get(code="public_space"), "背街小巷环境精细化治理"),
        location="海淀区学院路街道二里庄社区",
        goal="整治社区口袋公园和街巷公共空间，补建休憩和儿童活动设施，由片区统筹主体统一实施",
        investment="680",
        land_area="5200",
        building_area="0",
        coordinating_entity=entity.organization,
    )
    attach_required_materials(coordinated, entity2)

    # 已受理, received long enough ago that the 10-working-day review is due within the warning window.
    yellow = _draft(
        entity2,
        "【演示】学院路街道展春园小区综合整治",
        residential,
        sub_type(residential, "老旧小区综合整治"),
        location="海淀区学院路街道展春园小区",
        goal="完成14栋住宅楼外墙保温和屋面防水改造，更新供水、雨污管线，增设充电车位和社区活动用房",
        investment="4600",
        land_area="52000",
        building_area="98000",
    )
    _received(yellow, entity2, working_days_ago(review_days - warning + 1, today))

    # 已受理 today: both clocks green.
    green = _draft(
        entity2,
        "【演示】花园路街道牡丹园小区老旧电梯更新",
        residential,
        sub_type(residential, "老旧电梯更新"),
        location="海淀区花园路街道牡丹园北里",
        goal="更新8栋高层住宅使用超过20年的24部电梯，加装电梯运行物联网监测，降低困人故障率",
        investment="1850",
        land_area="36000",
        building_area="112000",
        funding="住宅专项维修资金 70%；区级财政补助 30%",
    )
    _received(green, entity2, today)

    # 入库联合审查中: one department still to answer and the 10-working-day review overdue (red).
    red = _draft(
        entity,
        "【演示】清河街道毛纺北小区综合整治",
        residential,
        sub_type(residential, "老旧小区综合整治"),
        location="海淀区清河街道毛纺北小区",
        goal="对22栋老旧住宅实施楼本体节能改造和抗震加固，改造小区道路与绿化，新建一处社区养老驿站",
        investment="7300",
        land_area="68000",
        building_area="152000",
    )
    _received(red, entity, working_days_ago(review_days + 3, today))
    services.route(red, actor=staff, departments=[fgw.organization, planning.organization])
    services.record_opinion(
        IntakeOpinion.objects.get(project=red, department=fgw.organization),
        actor=fgw,
        decision=Opinion.AGREE,
        text="符合区域发展定位，同意入库。",
    )

    # 待补正: the clocks are suspended; the entity may upload and answer.
    supplement = _draft(
        entity,
        "【演示】中关村大街低效楼宇更新改造",
        industrial,
        sub_type(industrial, "低效楼宇更新改造"),
        location="海淀区中关村大街27号",
        goal="将空置率超过40%的老旧写字楼改造为科技企业研发办公空间，提升楼宇能效，引入人工智能产业孵化平台",
        investment="18500",
        land_area="9800",
        building_area="46000",
        funding="实施主体自筹 80%；银行城市更新专项贷款 20%",
        changes_land_or_building=True,
    )
    _received(supplement, entity, working_days_ago(4, today))
    services.request_supplement(supplement, actor=staff, items="1. 补充房屋权属证明；2. 补充资金匡算明细表")

    # 未予入库.
    rejected = _draft(
        entity2,
        "【演示】学院路商业设施改造（不予入库）",
        industrial,
        sub_type(industrial, "传统商业设施升级"),
        location="海淀区学院路街道成府路",
        goal="将沿街底商改造为餐饮娱乐综合体，增加夜间经营面积",
        investment="900",
        land_area="2100",
        building_area="5400",
        funding="实施主体自筹",
    )
    _received(rejected, entity2, working_days_ago(6, today))
    services.reject(rejected, actor=staff, reason="拟改变的业态与所在地块国土空间规划确定的用途不符")

    # 已撤回 by its entity: the clocks are cancelled.
    withdrawn = _draft(
        entity2,
        "【演示】北下关街道交大东路停车设施改造（已撤回）",
        facility,
        sub_type(facility, "停车设施建设改造"),
        location="海淀区北下关街道交大东路",
        goal="利用闲置边角地建设立体停车设施，新增停车位180个，缓解周边小区停车难",
        investment="2400",
        land_area="3200",
        building_area="7600",
    )
    _received(withdrawn, entity2, working_days_ago(3, today))
    services.withdraw(withdrawn, actor=entity2, reason="经街道研究，拟与周边小区综合整治合并后重新申报")

    # 储备项目: both departments agreed in time, the admission notice is issued.
    reserve = _draft(
        entity,
        "【演示】北太平庄街道老旧小区综合整治",
        residential,
        sub_type(residential, "老旧小区综合整治"),
        location="海淀区北太平庄街道北三环中路沿线小区",
        goal="对9栋住宅楼实施节能改造和管线更新，补建无障碍设施，整治小区公共空间和停车秩序",
        investment="5600",
        land_area="41000",
        building_area="87000",
    )
    _received(reserve, entity, working_days_ago(review_days - 1, today))
    services.route(reserve, actor=staff, departments=[fgw.organization, planning.organization])
    for reviewer in (fgw, planning):
        services.record_opinion(
            IntakeOpinion.objects.get(project=reserve, department=reviewer.organization),
            actor=reviewer,
            decision=Opinion.AGREE,
            text="同意。",
        )
    services.admit(reserve, actor=staff)

    # 实施项目 (区域综合性, decided by the district government); review/demo.py drafts its plan.
    implementation = _draft(
        entity,
        "【演示】海淀老街区（西苑片区）更新",
        regional,
        sub_type(regional, "老旧街区改造"),
        location="海淀区海淀街道西苑片区",
        goal="片区统筹实施老旧住宅整治、历史风貌保护和街巷空间提升，植入文化和科技创新功能，打造宜居活力街区",
        investment="86000",
        land_area="68000",
        building_area="158000",
        funding="市区财政资金 20000 万元；社会资本 46000 万元；实施主体自筹 20000 万元",
    )
    _received(implementation, entity, working_days_ago(6, today))
    services.admit(implementation, actor=staff, note="区政府专题会议纪要〔2026〕8号")
    implementation = services.move_to_implementation(
        implementation,
        actor=staff,  # 老旧街区改造 is led by the housing commission (Haidian guidance 二)
        reason="已取得统筹主体确认文件，规划、功能业态及监管要求基本明确",
        requirements={
            "planning_requirements": "符合西苑片区街区控制性详细规划，建筑高度和规模不增加",
            "function_requirements": "居住为主，植入文化和科技创新功能，补齐养老、托育设施",
            "supervision_requirements": "区住建委牵头，海淀街道日常监管，按实施方案验收",
        },
        confirmation=SimpleUploadedFile(
            "统筹主体确认文件.pdf", demo_pdf("Urban renewal portal - demo material", "Entity confirmation")
        ),
    )

    # An old-building project entered by import (old-building measures 第二十条).
    imported = Project.objects.create(
        district=staff.district,
        code="HD-2024-0153",
        name="【演示】上地信息路老旧楼宇更新（导入）",
        category=industrial,
        sub_type=sub_type(industrial, "老旧楼宇更新改造"),
        location="海淀区上地信息路",
        locality="上地街道",
        admission_document="海城更发〔2025〕21号",
        renewal_goal="对上地信息路沿线4栋老旧办公楼实施结构加固、立面和机电系统更新，提升为软件信息产业载体",
        total_investment=Decimal("42000"),
        source=Source.IMPORT,
        library=Library.IMPLEMENTATION,
        stage=Stage.IMPLEMENTATION,
        admitted_on=today,
        implementation_on=today,
        created_by=staff,
    )
    _library_levels(staff, today, implementation, imported, reserve)
    stdout.write(
        f"演示项目：{Project.objects.filter(name__startswith='【演示】').count()} 个"
        "（覆盖入库阶段的各个状态；入库联合审查期限红、黄、绿灯各有示例）"
    )
    return {}


def _library_levels(staff, today, implementation, imported, reserve):
    """Issue 10: 区 settings, a 跨区 project, 上报市级 and a city-plan batch (joint review measures 第二条、
    第五条), and a project removed from the library (动态调整, Haidian guidance 一(四)5)."""
    DistrictLibrarySettings.objects.get_or_create(
        district=staff.district, defaults={"admission_basis": HAIDIAN_BASIS}
    )
    # 跨区: imported with the city's list, led by 海淀 and listed in 西城 too.
    cross = Project.objects.create(
        district=staff.district,
        code="HD-2025-KQ01",
        name="【演示】京密引水渠滨水空间贯通（跨区）",
        category=Category.objects.get(code="public_space"),
        sub_type=SubType.objects.filter(category__code="public_space").order_by("order", "pk").first(),
        location="海淀区、西城区京密引水渠沿线",
        locality="紫竹院街道",
        renewal_goal="贯通京密引水渠两岸滨水慢行空间，整治沿线绿化和照明",
        total_investment=Decimal("31500"),
        source=Source.IMPORT,
        library=Library.RESERVE,
        stage=Stage.RESERVE,
        admitted_on=working_days_ago(30, today),
        admission_document="京城更办〔2025〕9号",
        created_by=staff,
    )
    others = District.objects.filter(code="110102")
    cross.districts.set([staff.district, *others])
    # 上报市级 and 纳入城市更新计划 (the review demo's projects go into a batch of their own as needed).
    batch, _ = CityPlanBatch.objects.get_or_create(
        name="【演示】2025年第一批",
        defaults={
            "document_number": "京城更办〔2025〕12号（演示）",
            "approved_on": working_days_ago(15, today),
            "approving_body": "北京市城市更新专项小组办公室",
            "created_by": staff,
        },
    )
    for project in (implementation, imported):
        project = library.report_to_city(project, actor=staff, reported_on=working_days_ago(25, today))
        library.admit_to_city_plan(project, actor=staff, batch=batch)
    library.report_to_city(reserve, actor=staff, reported_on=working_days_ago(5, today))
    # 动态调整: a reserve project the entity gave up, removed by staff with the document.
    removed = Project.objects.create(
        district=staff.district,
        code="HD-2024-0088",
        name="【演示】清华东路底商改造（已调出项目库）",
        category=Category.objects.get(code="industrial"),
        sub_type=SubType.objects.get(category__code="industrial", name="传统商业设施升级"),
        location="海淀区清华东路",
        locality="学院路街道",
        renewal_goal="沿街底商业态升级",
        total_investment=Decimal("650"),
        source=Source.IMPORT,
        library=Library.RESERVE,
        stage=Stage.RESERVE,
        admitted_on=working_days_ago(120, today),
        created_by=staff,
    )
    library.remove(
        removed,
        actor=staff,
        reason="实施主体书面申请终止实施，项目不再具备实施条件",
        document="海城更函〔2026〕3号（演示）",
    )

"""factory_boy factories for the projects app (the catalogue itself is loaded by migration)."""

import datetime
import types
from decimal import Decimal

import factory
from django.core.files.uploadedfile import SimpleUploadedFile
from factory.django import DjangoModelFactory

from projects import services as intake
from projects.choices import REQUIRED_INTAKE_MATERIALS, Library, Path, Stage
from projects.models import Category, Project, SubType
from renewal import services
from renewal.attachments import attach
from renewal.choices import DeadlineRule, OrganizationKind
from tests import factories as kernel


def category(code: str = "residential") -> Category:
    """居住类 residential, 产业类 industrial, 设施类 facility, 公共空间类 public_space, 区域综合性 regional."""
    return Category.objects.get(code=code)


def sub_type(category_code: str = "residential", index: int = 0) -> SubType:
    return SubType.objects.filter(category__code=category_code).order_by("order", "pk")[index]


class ProjectFactory(DjangoModelFactory):
    """A received (已受理) project in 海淀区 with a code, a residential sub-type, a location, a goal and an
    investment. Drafts are visible to their entity only, so a draft is asked for explicitly
    (stage=Stage.DRAFT, code=""). `materials=<entity user>` files the required intake materials too."""

    class Meta:
        model = Project
        skip_postgeneration_save = True

    district = factory.LazyFunction(kernel.district)
    code = factory.LazyAttributeSequence(lambda p, n: f"{p.district.code}-2025-{n + 1:04d}")
    name = factory.Sequence(lambda n: f"测试更新项目{n}")
    category = factory.LazyFunction(category)
    sub_type = factory.LazyAttribute(
        lambda p: SubType.objects.filter(category=p.category).order_by("order", "pk").first()
    )
    location = factory.Sequence(lambda n: f"测试路{n}号")
    renewal_goal = "改善居住条件，完善配套设施"
    total_investment = Decimal("1000.00")
    stage = Stage.SUBMITTED

    @factory.post_generation
    def materials(obj, create, extracted, **kwargs):
        if create and extracted:
            attach_required_materials(obj, extracted)


def material_pdf(text: str = "申报材料") -> bytes:
    """A small PDF (type is decided by content); the text keeps different files' hashes apart."""
    return (
        b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
        b"2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n% " + text.encode() + b"\n"
        b"trailer\n<< /Root 1 0 R >>\n%%EOF\n"
    )


def attach_required_materials(project: Project, actor, kinds=REQUIRED_INTAKE_MATERIALS) -> list:
    """The materials an application cannot be submitted or admitted without (申报材料, 资金匡算), uploaded
    by `actor` (the project's entity user)."""
    return [
        attach(project, SimpleUploadedFile(f"{kind}.pdf", material_pdf(kind)), kind=kind, actor=actor)
        for kind in kinds
    ]


def submit_with_materials(project: Project, actor, **kwargs) -> Project:
    """Upload the required materials, then submit through the service (as the entity does)."""
    attach_required_materials(project, actor)
    return intake.submit(project, actor=actor, **kwargs)


def open_project_deadline(
    project: Project,
    start: datetime.date,
    *,
    amount: int | None = None,
    title: str = "入库联合审查",
    kind: str = "test.ledger",
    responsible_organization=None,
):
    """A working-day deadline of any length on the project through the kernel service (due date from the
    calendar); its kind is a test kind registered as a minimum (tests/conftest.py)."""
    if amount is None and kind == "test.ledger":
        amount = 10
    return services.open_deadline(
        project,
        kind=kind,
        title=title,
        rule=DeadlineRule.WORKING_DAYS,
        amount=amount,
        start=start,
        responsible_organization=responsible_organization,
    )


HAIDIAN, XICHENG = "110108", "110102"


def ledger_world():
    """Four 海淀 projects that differ in every filtered field, and one 西城 project.

    academy   居住类 · 联合审查类 · 储备项目 · 实施主体 entity_a · received 2025-03-03 · 12000 万元
    factory   产业类 · 其他路径 · 已受理 · 统筹主体 entity_b · received 2025-06-10 · 50000 万元
    elderly   设施类 · 其他路径 · 实施项目 · 实施主体 entity_b · received 2024-11-20 · no investment
    draft     居住类 (another sub-type) · 草稿 · 实施主体 entity_a · no code, no dates · 300 万元
    xicheng   居住类 · 西城区 · 储备项目 · its own entity

    The draft is entity_a's business only: `haidian_projects` are what every other 海淀 role sees.
    """
    haidian, xicheng = kernel.district(HAIDIAN), kernel.district(XICHENG)
    entity_a = kernel.OrganizationFactory(
        kind=OrganizationKind.ENTITY, district=haidian, name="海淀甲实施公司"
    )
    entity_b = kernel.OrganizationFactory(
        kind=OrganizationKind.ENTITY, district=haidian, name="海淀乙统筹街道"
    )
    xicheng_entity = kernel.OrganizationFactory(
        kind=OrganizationKind.ENTITY, district=xicheng, name="西城实施公司"
    )
    academy = ProjectFactory(
        code="110108-2025-0001",
        name="学院路老旧小区综合整治",
        location="学院路街道",
        category=category("residential"),
        sub_type=sub_type("residential", 1),
        path=Path.JOINT_REVIEW,
        stage=Stage.RESERVE,
        library=Library.RESERVE,
        implementing_entity=entity_a,
        received_on=datetime.date(2025, 3, 3),
        admitted_on=datetime.date(2025, 4, 1),
        total_investment=Decimal("12000.00"),
        land_area=Decimal("8800.50"),
        building_area=Decimal("45000.00"),
        funding_sources="区级财政、社会资本",
    )
    factory_site = ProjectFactory(
        code="110108-2025-0002",
        name="上地老旧厂房更新改造",
        location="上地信息路",
        category=category("industrial"),
        sub_type=sub_type("industrial", 0),
        path=Path.OTHER,
        stage=Stage.SUBMITTED,
        library=Library.NONE,
        coordinating_entity=entity_b,
        received_on=datetime.date(2025, 6, 10),
        total_investment=Decimal("50000.00"),
    )
    elderly = ProjectFactory(
        code="110108-2024-0009",
        name="社区养老服务设施改造",
        location="清河街道",
        category=category("facility"),
        sub_type=sub_type("facility", 8),
        path=Path.OTHER,
        stage=Stage.IMPLEMENTATION,
        library=Library.IMPLEMENTATION,
        implementing_entity=entity_b,
        received_on=datetime.date(2024, 11, 20),
        admitted_on=datetime.date(2024, 12, 30),
        total_investment=None,
    )
    draft = ProjectFactory(
        code="",
        name="紫竹院小区加装电梯",
        location="紫竹院街道",
        category=category("residential"),
        sub_type=sub_type("residential", 4),
        stage=Stage.DRAFT,
        library=Library.NONE,
        implementing_entity=entity_a,
        total_investment=Decimal("300.00"),
    )
    xicheng_project = ProjectFactory(
        district=xicheng,
        code="110102-2025-0001",
        name="西城老旧小区综合整治",
        location="展览路街道",
        category=category("residential"),
        sub_type=sub_type("residential", 1),
        path=Path.JOINT_REVIEW,
        stage=Stage.RESERVE,
        library=Library.RESERVE,
        implementing_entity=xicheng_entity,
        received_on=datetime.date(2025, 5, 6),
        total_investment=Decimal("8000.00"),
    )
    return types.SimpleNamespace(
        haidian=haidian,
        xicheng=xicheng,
        entity_a=entity_a,
        entity_b=entity_b,
        xicheng_entity=xicheng_entity,
        academy=academy,
        factory=factory_site,
        elderly=elderly,
        draft=draft,
        xicheng_project=xicheng_project,
        haidian_projects=[academy, factory_site, elderly],
    )

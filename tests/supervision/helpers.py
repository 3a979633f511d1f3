"""Realistic supervision tables (the district's layout, DOMAIN.md §5) and a sample task for other tests."""

import datetime
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from renewal import calendar as workdays
from renewal.choices import OrganizationKind
from tests.factories import OrganizationFactory, district

TITLE = "区政府承办2025年市政府工作报告重点任务进展情况"
HEADERS = ["序号", "任务来源", "任务内容/督查事项", "主责单位", "完成时限", "进展情况"]
UNIT_NAMES = [
    ("区住房城乡建设委", OrganizationKind.HOUSING_COMMISSION),
    ("区发展改革委", OrganizationKind.DEPARTMENT),
    ("区财政局", OrganizationKind.DEPARTMENT),
    ("市规划自然资源委海淀分局", OrganizationKind.CITY_BRANCH),
    ("学院路街道办事处", OrganizationKind.TOWN),
    ("中关村科学城管委会", OrganizationKind.PARK_COMMITTEE),
    ("区城市更新服务中心", OrganizationKind.PUBLIC_INSTITUTION),
]
LONG_PROGRESS = (
    "1-8月，已完成老旧小区综合整治项目立项12个,开工9个,完工3个；"
    "截至目前，累计完成投资4.6亿元,占年度计划的68%。"
    "下一步，将加快推进剩余项目开工,做好冬季施工组织,确保年底前全部完成。" * 3
)
ROWS = [
    [
        1,
        "市折子第17项",
        "推进老旧小区综合整治，完成30个小区改造任务。",
        "区住房城乡建设委、\n区发展改革委、\n区财政局",
        "2025-12-31",
        LONG_PROGRESS,
    ],
    # A missing "、" at the end of a line, and stray spaces.
    [
        2,
        "市折子第18项",
        "实施学院路片区城市更新。",
        "学院路街道办事处\n 市规划自然资源委海淀分局 ",
        "2025年10月31日",
        "截至目前，已完成片区规划编制。",
    ],
    [
        3,
        "区折子第5项",
        "打造中关村科学城更新示范区。",
        "中关村科学城管委会、\n区城市更新服务中心",
        "2026-06-30",
        "",
    ],
]


def make_units(place=None):
    place = place or district()
    return {name: OrganizationFactory(name=name, kind=kind, district=place) for name, kind in UNIT_NAMES}


def table_bytes(rows=None, title=TITLE, headers=HEADERS) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.cell(row=1, column=1, value=title)
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(headers))
    for column, header in enumerate(headers, start=1):
        sheet.cell(row=2, column=column, value=header)
    for offset, row in enumerate(ROWS if rows is None else rows, start=3):
        for column, value in enumerate(row, start=1):
            sheet.cell(row=offset, column=column, value=value if value != "" else None)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def cells(content: bytes, sheet_index=0) -> list[tuple]:
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(content)).worksheets[sheet_index]
    return [tuple("" if v is None else v for v in row) for row in sheet.iter_rows(values_only=True)]


def sample_supervision(world, *, units):
    """One 海淀 task (units in order, due in a month) and one uploaded table waiting for its preview."""
    from supervision import services
    from supervision.models import SupervisionImport

    place = world.staff.district
    supervision_list = services.create_list(actor=None, district=place, title="权限测试督查清单", year=2026)
    task = services.create_task(
        supervision_list,
        services.TaskData(
            number="1",
            content="权限测试督查事项",
            source="市折子第1项",
            units=tuple(units),
            due_date=workdays.today() + datetime.timedelta(days=30),
        ),
        actor=None,
    )
    batch = SupervisionImport.objects.create(
        file=SimpleUploadedFile("督查表.xlsx", table_bytes()),
        original_name="督查表.xlsx",
        district=place,
        uploaded_by=world.staff,
    )
    return task, batch

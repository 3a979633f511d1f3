"""Issue 10 items 1–3: a 入库项目清单 as it is published (DOMAIN.md §5), reconciled; 跨区 projects; the
import's basis (old-building measures 京建法〔2024〕14号 第二十条, or a migration of existing records).

The list below is built like the published ones: title row, header with the sixth column 区域总投资（亿元）,
section rows, 区域 and its subtotal merged down each group, a 跨区 row, six-decimal amounts, 合计 row.
"""

import datetime
import io
from decimal import Decimal

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase
from django.urls import reverse

from projects import importing
from projects.choices import ImportBasis, Library
from projects.models import ImportBatch, Project
from renewal.choices import Role
from renewal.models import AuditEvent
from tests import factories

HEADER = ["序号", "项目编号", "项目名称", "项目总投资（亿元）", "区域", "区域总投资（亿元）"]


def published_list(*, haidian_total=1.37, xicheng_total=0.5, section_total="1.87", grand_total=2.99) -> bytes:
    """Rows 1 title, 2 header, 3 section, 4–5 海淀 (merged E4:E5, F4:F5), 6 西城, 7 section,
    8 跨区 (海淀、西城 one per line), 9 合计."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["2025年城市更新入库项目清单"])
    sheet.merge_cells("A1:F1")
    sheet.append(HEADER)
    sheet.append([f"城区项目（总投资 {section_total}亿元）"])
    sheet.merge_cells("A3:F3")
    sheet.append([1, "HD-1", "学院路 老旧小区\n综合整治", 1.123456, "海淀区", haidian_total])
    sheet.append([2, "HD-2", "中关村楼宇更新", "0.246544", None, None])
    sheet.merge_cells("E4:E5")
    sheet.merge_cells("F4:F5")
    sheet.append([3, "XC-1", "西城街巷治理", 0.5, "西城区", xicheng_total])
    sheet.append(["跨区项目（总投资 1.12亿元）"])
    sheet.merge_cells("A7:F7")
    sheet.append([4, "KQ-1", "跨区 滨水空间", 1.115, "海淀区、\n西城区", 1.12])
    sheet.append(["合计 （亿元）", None, None, grand_total, None, None])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def parse(content, actor=None):
    return importing.parse_workbook(io.BytesIO(content), actor=actor)


@pytest.fixture
def haidian(db):
    return factories.district("110108")


@pytest.fixture
def xicheng(db):
    return factories.district("110102")


def test_published_list_is_read_whole_with_merged_cells_sections_and_total(haidian, xicheng):
    """Item 1: title, sixth column, section rows, merged 区域, 跨区 cell, six decimals, 合计 — no errors."""
    result = parse(published_list())

    assert result.errors == []
    rows = {row.code: row for row in result.rows}
    assert set(rows) == {"HD-1", "HD-2", "XC-1", "KQ-1"}
    assert rows["HD-2"].district == haidian  # the merged 区域 cell applies to the whole group
    assert rows["HD-1"].name == "学院路老旧小区综合整治"
    assert rows["HD-1"].investment_yi == Decimal("1.123456")
    assert rows["KQ-1"].district == haidian and rows["KQ-1"].districts == (haidian, xicheng)
    checks = {check.label: (check.stated, check.computed) for check in result.checks}
    assert checks["区域“海淀区”"] == (Decimal("1.37"), Decimal("1.37"))  # 1.123456 + 0.246544 = 1.37
    assert checks["“城区项目”"] == (Decimal("1.87"), Decimal("1.87"))
    assert checks["“跨区项目”"] == (Decimal("1.12"), Decimal("1.12"))  # 1.115 rounded half-up
    assert checks["合计"] == (Decimal("2.99"), Decimal("2.99"))  # 2.985 rounded once, half-up


def test_group_subtotal_mismatch_refuses_naming_group_and_both_figures(haidian, xicheng):
    result = parse(published_list(haidian_total=1.38))

    assert [str(error) for error in result.errors] == [
        "第4行：区域“海淀区”（第4—5行）所列区域总投资 1.38 亿元，"
        "与各项目总投资之和 1.37 亿元（四舍五入保留两位小数）不符"
    ]
    with pytest.raises(importing.ImportRefused):
        importing.import_rows(result, actor=None, library=Library.RESERVE, source_name="清单.xlsx")
    assert Project.objects.count() == 0


def test_section_and_grand_total_are_rounded_once_not_summed_from_rounded_rows(haidian, xicheng):
    """合计 is the sum of unrounded rows rounded once: 2.985 → 2.99, not 1.37 + 0.50 + 1.12 = 2.99 by
    luck — a stated 2.98 (the sum of rows each truncated) is refused."""
    result = parse(published_list(section_total="1.86", grand_total=2.98))

    messages = [error.message for error in result.errors]
    assert (
        "“城区项目”所列总投资 1.86 亿元，与本部分各项目总投资之和 1.87 亿元（四舍五入保留两位小数）不符"
        in messages
    )
    assert "合计 2.98 亿元，与全部项目总投资之和 2.99 亿元（四舍五入保留两位小数）不符" in messages


def test_unknown_district_in_a_multi_district_cell_is_named(haidian):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HEADER[:5])
    sheet.append([1, "KQ-9", "跨区项目", 1, "海淀区、中原区"])
    buffer = io.BytesIO()
    book.save(buffer)

    result = parse(buffer.getvalue())

    assert [str(error) for error in result.errors] == ["第2行：区域“中原区”不是已登记的行政区"]


def test_cross_district_import_lists_every_district_and_each_district_sees_it(haidian, xicheng, make_user):
    """Item 2: the lead district is the first listed; the project is in each listed district's ledger."""
    result = parse(published_list())
    importing.import_rows(result, actor=None, library=Library.RESERVE, source_name="清单.xlsx")

    project = Project.objects.get(code="KQ-1")
    assert project.district == haidian
    assert set(project.districts.all()) == {haidian, xicheng}
    assert not Project.objects.get(code="HD-1").districts.exists()
    xicheng_staff = make_user(Role.STAFF, district_code="110102")
    chaoyang_staff = make_user(Role.STAFF, district_code="110105")
    assert set(Project.objects.visible_to(xicheng_staff).values_list("code", flat=True)) == {"XC-1", "KQ-1"}
    assert not Project.objects.visible_to(chaoyang_staff).exists()


def test_district_staff_imports_a_cross_district_row_only_where_they_lead(haidian, xicheng, make_user):
    xicheng_staff = make_user(Role.STAFF, district_code="110102")

    result = parse(published_list(), actor=xicheng_staff)

    assert "第8行：跨区项目的牵头区为海淀区（首个列明的区），应由海淀区导入" in [
        str(e) for e in result.errors
    ]


def upload(client, content, **fields):
    data = {
        "file": SimpleUploadedFile("清单.xlsx", content),
        "library": Library.RESERVE,
        "legal_basis": ImportBasis.OLD_BUILDING,
        "basis_number": "京更新办〔2025〕7号",
        "basis_date": "2025-06-30",
        **fields,
    }
    return client.post(reverse("projects:import_upload"), data)


def test_import_records_its_basis_and_takes_the_admission_date_from_it(client, haidian, xicheng, make_user):
    """Item 3: document number and date recorded; admission date = the basis date, not today."""
    client.force_login(make_user(Role.ADMINISTRATOR, district_code=None))

    response = upload(client, published_list())

    batch = ImportBatch.objects.get()
    assert response.status_code == 302
    assert (batch.basis_number, batch.basis_date, batch.legal_basis) == (
        "京更新办〔2025〕7号",
        datetime.date(2025, 6, 30),
        ImportBasis.OLD_BUILDING,
    )
    preview = client.get(reverse("projects:import_preview", args=[batch.pk])).content.decode()
    assert "第二十条" in preview and "京更新办〔2025〕7号" in preview
    assert "海淀区（牵头）、西城区" in preview
    with TestCase.captureOnCommitCallbacks(execute=True):
        client.post(reverse("projects:import_commit", args=[batch.pk]))
    project = Project.objects.get(code="HD-1")
    assert project.admitted_on == datetime.date(2025, 6, 30)
    assert project.admission_document == "京更新办〔2025〕7号"
    event = AuditEvent.objects.filter(action="project.import", object_id=str(project.pk)).get()
    assert "第二十条" in event.reason and "京更新办〔2025〕7号" in event.reason


def test_import_page_states_the_legal_basis_and_requires_the_basis(client, haidian, make_user):
    client.force_login(make_user(Role.STAFF))
    page = client.get(reverse("projects:import_upload")).content.decode()
    assert "第二十条" in page and "迁移既有项目库记录" in page

    response = upload(client, published_list(), basis_number="", basis_date="2999-01-01")

    assert response.status_code == 400
    html = response.content.decode()
    assert "请填写入库依据文号。" in html and "入库依据日期不能晚于今天。" in html
    assert not ImportBatch.objects.exists()


def test_command_records_the_basis_and_dates_the_admission(haidian, xicheng, tmp_path):
    from django.core.management import call_command

    path = tmp_path / "清单.xlsx"
    path.write_bytes(published_list())
    call_command(
        "import_projects",
        str(path),
        "--basis=old_building",
        "--basis-number=京更新办〔2025〕7号",
        "--basis-date=2025-06-30",
        stdout=io.StringIO(),
    )
    project = Project.objects.get(code="KQ-1")
    assert project.admitted_on == datetime.date(2025, 6, 30)
    assert project.admission_document == "京更新办〔2025〕7号"


def test_a_row_with_only_a_name_is_an_error_not_a_section(haidian):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HEADER[:5])
    sheet.append([None, None, "只有名称的项目", None, None])
    buffer = io.BytesIO()
    book.save(buffer)

    messages = errors_of(parse(buffer.getvalue()))

    assert messages == ["第2行：项目编号为空", "第2行：项目总投资为空", "第2行：区域为空"]


def errors_of(result):
    return [str(error) for error in result.errors]

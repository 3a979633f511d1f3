"""The 入库项目清单 export: the published layout, and the library-list import reads it back whole."""

import io
from decimal import Decimal

import openpyxl
import pytest

from projects import importing
from projects.choices import Library, Source, Stage
from projects.models import Project
from renewal.choices import Role
from reports import services
from tests.projects import factories
from tests.projects.factories import ProjectFactory


@pytest.fixture
def listed(db):
    """Five library projects in two categories (amounts with up to six decimals in 亿元), and projects
    that are not on a published list (an application, a rejected one)."""
    residential = [
        ProjectFactory(
            name=f"居住项目{n}",
            stage=Stage.RESERVE,
            library=Library.RESERVE,
            total_investment=Decimal("1234.56"),
        )
        for n in range(3)
    ]
    industrial = [
        ProjectFactory(
            name=f"产业项目{n}",
            category=factories.category("industrial"),
            sub_type=factories.sub_type("industrial", 0),
            stage=Stage.IMPLEMENTATION,
            library=Library.IMPLEMENTATION,
            total_investment=amount,
        )
        for n, amount in enumerate([Decimal("1250.00"), Decimal("98765.43")])
    ]
    ProjectFactory(name="受理中的申请", stage=Stage.SUBMITTED)
    ProjectFactory(name="未予入库的申请", stage=Stage.REJECTED)
    return residential + industrial


def export(user, params=None) -> tuple[bytes, object]:
    report = services.report_for(user, params or {}, layout=services.LIBRARY_LIST)
    out = io.BytesIO()
    result = report.write(out)
    return out.getvalue(), result


def test_layout_section_rows_and_total(listed, make_user):
    content, result = export(make_user(Role.AUDITOR))
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0].startswith("海淀区城市更新入库项目清单（截至")
    assert rows[2] == ("序号", "项目编号", "项目名称", "项目总投资（亿元）", "区域")
    assert rows[3] == ("居住类（总投资 0.37亿元）", None, None, None, None)
    assert rows[4][3] == 0.123456 and rows[4][4] == "海淀区"
    assert rows[7] == ("产业类（总投资 10.00亿元）", None, None, None, None)
    assert rows[-1] == ("合计 （亿元）", None, None, 10.37, None)
    assert result.rows == 5 and result.total_yi == Decimal("10.37")
    assert "A4:E4" in {str(r) for r in sheet.merged_cells.ranges}


def test_the_import_reads_the_export_back_whole(listed, make_user):
    content, _ = export(make_user(Role.STAFF))
    expected = {(p.code, p.name, p.total_investment) for p in listed}
    parsed = importing.parse_workbook(io.BytesIO(content), check_existing=False)
    assert parsed.errors == []
    assert {(row.code, row.name, row.investment_yi * 10000) for row in parsed.rows} == expected
    assert parsed.total_yi == sum(p.total_investment for p in listed) / 10000

    # Into an empty library: every project comes back with the same code, name and amount.
    Project.objects.filter(pk__in=[p.pk for p in listed]).delete()
    parsed = importing.parse_workbook(io.BytesIO(content))
    count, _ = importing.import_rows(parsed, actor=None, library=Library.RESERVE, source_name="清单.xlsx")
    assert count == len(listed)
    imported = Project.objects.filter(source=Source.IMPORT)
    assert {(p.code, p.name, p.total_investment) for p in imported} == expected


def test_a_cross_district_project_names_every_district_lead_first(listed, make_user):
    from tests import factories as kernel

    project = listed[0]
    project.districts.set([kernel.district("110102"), kernel.district("110108")])
    content, _ = export(make_user(Role.AUDITOR))
    rows = list(openpyxl.load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True))
    regions = {row[1]: row[4] for row in rows if isinstance(row[0], int)}
    assert regions[project.code] == "海淀区、西城区"
    assert {regions[p.code] for p in listed[1:]} == {"海淀区"}

"""Issue 16: the ledger export reads plain values a chunk at a time (projects/export.py) — its queries grow
only per chunk, and its cells are those of the model-instance export it replaced: the same values and
number formats, the 跨区 districts, and the light the HTML ledger shows."""

import datetime
import io
import re
import zipfile
from decimal import Decimal

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl.utils.exceptions import IllegalCharacterError

from projects import export
from projects.export import ExportRow, ledger_workbook, streamed_ledger_rows
from projects.selectors import describe_light, ledger_queryset
from renewal import calendar as workdays
from renewal.choices import Role
from renewal.services import close_deadlines
from tests.projects import factories
from tests.projects.factories import XICHENG

pytestmark = pytest.mark.django_db

D = datetime.date.fromisoformat


def exported(user, *, chunk_size=1000, today=None, order=("code",)):
    """[(value, number_format), …] per row of the sheet, as a reader of the file sees them."""
    rows = streamed_ledger_rows(ledger_queryset(user).order_by(*order), chunk_size=chunk_size, today=today)
    out = io.BytesIO()
    ledger_workbook(rows, "海淀区城市更新项目库台账").save(out)
    sheet = openpyxl.load_workbook(out).active
    return [[(cell.value, cell.number_format) for cell in row] for row in sheet.iter_rows()]


def values(rows):
    return [[value for value, _ in row] for row in rows]


def test_a_full_row_has_the_cells_of_the_model_instance_export(make_user):
    """Every column filled: the cells written literally as the export built from model instances (and
    `ledger_rows` for the light) wrote them for this project."""
    world = factories.ledger_world()
    academy = world.academy
    academy.coordinating_entity = world.entity_b
    academy.save()
    academy.districts.set([world.haidian, world.xicheng, factories.kernel.district("110105")])
    factories.open_project_deadline(academy, D("2025-05-06"), amount=5, title="补充材料")
    factories.open_project_deadline(academy, D("2025-03-03"), amount=10, title="入库联合审查")

    sheet = exported(make_user(Role.STAFF), chunk_size=2, today=D("2025-06-16"))

    general, wan, yi, day = "General", "#,##0.00", "#,##0.0000", "yyyy-mm-dd"
    assert sheet[0][0] == ("海淀区城市更新项目库台账", general)
    assert values(sheet[1:2]) == [
        [
            "序号",
            "项目编号",
            "项目名称",
            "区",
            "类别",
            "子类",
            "实施路径",
            "阶段",
            "项目库",
            "实施主体",
            "统筹主体",
            "总投资（万元）",
            "总投资（亿元）",
            "受理日",
            "入库日",
            "期限",
        ]
    ]
    assert sheet[3] == [
        (2, general),
        ("110108-2025-0001", general),
        ("学院路老旧小区综合整治", general),
        ("海淀区（跨区：西城区、朝阳区）", general),
        ("居住类", general),
        ("老旧小区综合整治", general),
        ("实施方案联合审查类", general),
        ("储备项目", general),
        ("储备项目库", general),
        ("海淀甲实施公司", general),
        ("海淀乙统筹街道", general),
        (12000, wan),
        (1.2, yi),
        (datetime.datetime(2025, 3, 3), day),
        (datetime.datetime(2025, 4, 1), day),
        ("入库联合审查：逾期61个工作日", general),
    ]
    # Empty values stay empty cells (no code, dates, money or light: nothing written, no format).
    assert sheet[4] == [
        (3, general),
        ("110108-2025-0002", general),
        ("上地老旧厂房更新改造", general),
        ("海淀区", general),
        ("产业类", general),
        ("老旧厂房（厂区）更新改造", general),
        ("按其他路径实施类", general),
        ("已受理", general),
        ("未入库", general),
        (None, general),
        ("海淀乙统筹街道", general),
        (50000, wan),
        (5, yi),
        (datetime.datetime(2025, 6, 10), day),
        (None, general),
        (None, general),
    ]
    assert sheet[-1] == [
        ("合计", general),
        (None, general),
        ("共3个项目", general),
        *[(None, general)] * 8,
        (62000, wan),
        (6.2, yi),
        (None, general),
        (None, general),
        (None, general),
    ]


def test_a_cross_district_project_names_its_other_districts_for_every_district_that_sees_it(make_user):
    world = factories.ledger_world()
    world.academy.districts.set([world.haidian, world.xicheng])
    world.factory.districts.set([world.haidian])  # only its lead district: no 跨区 note

    haidian_rows = {row[2]: row[3] for row in values(exported(make_user(Role.STAFF)))[2:-1]}
    assert haidian_rows[world.academy.name] == "海淀区（跨区：西城区）"
    assert haidian_rows[world.factory.name] == "海淀区"
    assert haidian_rows[world.elderly.name] == "海淀区"

    xicheng_rows = {
        row[2]: row[3] for row in values(exported(make_user(Role.STAFF, district_code=XICHENG)))[2:-1]
    }
    assert xicheng_rows == {
        world.academy.name: "海淀区（跨区：西城区）",
        world.xicheng_project.name: "西城区",
    }


def test_the_light_column_is_the_light_the_html_ledger_shows(client, staff):
    today = workdays.today()
    year_ago = workdays.add_calendar_years(today, -1)
    overdue = factories.ProjectFactory(name="逾期项目")
    factories.open_project_deadline(overdue, year_ago, amount=10)
    soon = factories.ProjectFactory(name="临期项目")
    factories.open_project_deadline(soon, today, amount=2)
    on_time = factories.ProjectFactory(name="正常项目")
    factories.open_project_deadline(on_time, today, amount=10)
    mixed = factories.ProjectFactory(name="混合项目")
    factories.open_project_deadline(mixed, today, amount=10, title="制发入库通知书")
    factories.open_project_deadline(mixed, year_ago, amount=10, title="入库联合审查")
    factories.open_project_deadline(mixed, today, amount=1, title="补充材料")
    tied = factories.ProjectFactory(name="同日到期项目")  # two deadlines due the same day: the first wins
    factories.open_project_deadline(tied, year_ago, amount=20, title="甲期限")
    factories.open_project_deadline(tied, year_ago, amount=20, title="乙期限")
    closed = factories.ProjectFactory(name="期限已结项目")
    factories.open_project_deadline(closed, year_ago, amount=10)
    close_deadlines(closed, reason="已确认入库")
    factories.ProjectFactory(name="无期限项目")

    client.force_login(staff)
    response = client.get("/projects/")
    html = response.content.decode()
    shown = {}
    for row in response.context["rows"]:
        shown[row.values.name] = describe_light(row.worst) or None
        cell = re.search(rf'<tr data-project="{row.values.pk}">.*?</tr>', html, re.S).group(0)
        if row.worst is not None:
            assert row.worst.deadline.title in cell
    exported_lights = {row[2]: row[15] for row in values(exported(staff, chunk_size=3))[2:-1]}
    assert exported_lights == shown
    assert exported_lights["混合项目"].startswith("入库联合审查：逾期")
    assert exported_lights["同日到期项目"].startswith("甲期限：逾期")
    assert exported_lights["期限已结项目"] is None and exported_lights["无期限项目"] is None
    assert exported_lights["临期项目"].startswith("入库联合审查：临期，剩")
    assert exported_lights["正常项目"].startswith("入库联合审查：正常，剩")


def projects_with_deadlines(count: int):
    today = workdays.today()
    entity = factories.kernel.OrganizationFactory()
    for _ in range(count):
        project = factories.ProjectFactory(
            implementing_entity=entity, coordinating_entity=entity, received_on=today
        )
        factories.open_project_deadline(project, today, amount=10)
        factories.open_project_deadline(project, workdays.add_calendar_years(today, -1), amount=30)


def export_queries(user, chunk_size: int) -> int:
    with CaptureQueriesContext(connection) as queries:
        sheet = exported(user, chunk_size=chunk_size, order=("pk",))
    assert sheet[-1][2][0].startswith("共")
    return len(queries.captured_queries)


def test_export_queries_grow_only_per_chunk_not_per_row(staff):
    """One query for the projects; per chunk one for the open deadlines; two for a calendar snapshot when
    a chunk's due dates fall outside the one kept; one more for a chunk that has 跨区 projects."""
    projects_with_deadlines(5)
    export_queries(staff, 10)  # content types cached
    few = export_queries(staff, 10)
    assert few == 1 + 1 + 2
    projects_with_deadlines(55)
    many = export_queries(staff, 10)
    assert many == 1 + 6 + 2, f"{few} queries for 5 projects, {many} for 60 in chunks of 10"

    projects = list(ledger_queryset(staff).order_by("pk"))
    projects[0].districts.set([projects[0].district, factories.kernel.district(XICHENG)])
    assert export_queries(staff, 10) == many + 1  # the districts of that project's chunk only

    # A deadline due long after the others, in the last chunk: one more snapshot, that covers it.
    factories.open_project_deadline(projects[-1], workdays.add_calendar_years(workdays.today(), 2), amount=5)
    assert export_queries(staff, 10) == many + 1 + 2


def sheet_files(rows, monkeypatch, *, directly: bool) -> dict[str, bytes]:
    """{zip member: bytes} of the ledger workbook written with or without `_RowWriter`."""
    monkeypatch.setattr(export, "WRITE_ROWS_DIRECTLY", directly)
    out = io.BytesIO()
    ledger_workbook(iter(rows), "海淀区城市更新项目库台账").save(out)
    with zipfile.ZipFile(out) as archive:
        return {name: archive.read(name) for name in archive.namelist() if not name.startswith("docProps")}


def export_row(**changes) -> ExportRow:
    base = ExportRow(
        "110108-2025-0001",
        "学院路老旧小区综合整治",
        "海淀区（跨区：西城区）",
        "居住类",
        "老旧小区综合整治",
        "实施方案联合审查类",
        "储备项目",
        "储备项目库",
        "海淀甲实施公司",
        "海淀乙统筹街道",
        Decimal("12000.00"),
        D("2025-03-03"),
        D("2025-04-01"),
        "入库联合审查：逾期61个工作日",
    )
    return base._replace(**changes)


def test_rows_written_directly_are_the_bytes_openpyxl_writes(monkeypatch):
    """Issue 16: `_RowWriter` formats the data rows itself (0.67× → see the module); the files are
    byte for byte those of openpyxl's cell writer, the awkward values included (they go through it)."""
    rows = [
        export_row(),
        export_row(code=None, implementing_entity=None, total_investment=None, admitted_on=None, light=None),
        export_row(name="A & B <楼宇> \"更新\" 'x'", total_investment=Decimal("0.01")),
        export_row(name="=SUM(A1:A2)", category="#N/A", sub_type="="),  # formula- and error-like text
        export_row(name="  前后有空格 ", district="", path="\n"),  # space-preserving and empty text
        export_row(name="长" * 40000),  # cut at 32,767 characters by openpyxl
        export_row(total_investment=Decimal("123456789012.34"), received_on=D("1900-01-15")),
        export_row(total_investment=Decimal("0.00"), coordinating_entity=7, light=1.5),  # other types
        export_row(received_on=datetime.datetime(2025, 3, 3, 12, 30)),  # a datetime in a date column
        export_row(name="第二行\n换行", total_investment=Decimal("33.333333")),
    ]
    direct = sheet_files(rows, monkeypatch, directly=True)
    assert direct == sheet_files(rows, monkeypatch, directly=False)
    assert b"&lt;\xe6\xa5\xbc\xe5\xae\x87&gt;" in direct["xl/worksheets/sheet1.xml"]


def test_rows_written_directly_bypass_openpyxl_cells(monkeypatch):
    """Fails without `_RowWriter`: ordinary rows make no openpyxl cell of their own."""
    made = []
    original = export.write_cell

    def counted(*args, **kwargs):
        made.append(args[2].coordinate)
        return original(*args, **kwargs)

    monkeypatch.setattr(export, "write_cell", counted)
    out = io.BytesIO()
    ledger_workbook(iter([export_row()] * 50), "台账").save(out)
    assert made == []
    assert openpyxl.load_workbook(out).active.max_row == 53


def test_an_illegal_character_is_refused_as_openpyxl_refuses_it(monkeypatch):
    for directly in (True, False):
        with pytest.raises(IllegalCharacterError):
            sheet_files([export_row(name="控制\x01字符")], monkeypatch, directly=directly)

"""The district progress report: the rows are the filtered ledger's, the figures tie, the layout is usable."""

import datetime
import io
import re
from decimal import Decimal

import openpyxl
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from projects.choices import Library, Stage
from renewal import calendar as workdays
from renewal.choices import Role
from renewal.models import AuditEvent
from renewal.services import close_deadlines
from reports import services
from reports.progress import MONEY_COLUMNS, PROGRESS_COLUMNS
from tests.projects import factories
from tests.projects.factories import HAIDIAN, ProjectFactory

ROW = re.compile(r'<tr data-project="(\d+)">')
HEADING_ROWS = 3
HEADER_ROW = HEADING_ROWS + 1
TOTAL_COLUMN = MONEY_COLUMNS["total"]


@pytest.fixture
def world(db):
    w = factories.ledger_world()
    w.withdrawn = ProjectFactory(name="已撤回的申请", stage=Stage.WITHDRAWN, implementing_entity=w.entity_a)
    w.rejected = ProjectFactory(
        name="未予入库的申请",
        stage=Stage.REJECTED,
        category=factories.category("industrial"),
        sub_type=factories.sub_type("industrial", 0),
        total_investment=Decimal("0.50"),
    )
    return w


@pytest.fixture
def auditor(make_user):
    return make_user(Role.AUDITOR)


def build(user, params=None, layout=services.PROGRESS):
    report = services.report_for(user, params or {}, layout=layout)
    out = io.BytesIO()
    result = report.write(out)
    out.seek(0)
    return report, result, openpyxl.load_workbook(out)


def project_rows(sheet) -> list[tuple]:
    """Rows with a 序号 (a number): the projects, not the subtotal and total rows."""
    rows = list(sheet.iter_rows(min_row=HEADER_ROW + 1, values_only=True))
    return [row for row in rows if isinstance(row[0], int)]


def ledger_codes(client, user, params=None) -> set[str]:
    from projects.models import Project

    client.force_login(user)
    response = client.get("/projects/", params or {})
    assert response.status_code == 200
    pks = [int(pk) for pk in ROW.findall(response.content.decode())]
    return set(Project.objects.filter(pk__in=pks).values_list("code", flat=True))


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"category": "residential"},
        {"library": Library.RESERVE},
        {"q": "老旧"},
        {"stage": Stage.REJECTED},
        {"received_on_after": "2025-01-01"},
    ],
    ids=["all", "category", "library", "keyword", "rejected", "received-after"],
)
def test_rows_are_the_filtered_ledger_without_withdrawn_applications(client, world, auditor, params):
    if "category" in params:
        params = {"category": factories.category(params["category"]).pk}
    _, result, workbook = build(auditor, params)
    rows = project_rows(workbook["项目进展"])
    expected = ledger_codes(client, auditor, params) - {world.withdrawn.code}
    assert {row[1] for row in rows} == expected
    assert result.rows == len(rows) == len(expected)
    assert [row[0] for row in rows] == list(range(1, len(rows) + 1))
    # Same figures: each row's investment and stage are the project's own.
    from projects.models import Project

    for row in rows:
        project = Project.objects.get(code=row[1])
        expected_yi = None if project.total_investment is None else float(project.total_investment / 10000)
        assert row[TOTAL_COLUMN] == expected_yi and row[10] == project.get_stage_display()


def test_rejected_projects_are_reported_and_marked_drafts_and_withdrawn_are_not(world, auditor, make_user):
    _, _, workbook = build(auditor)
    by_name = {row[2]: row for row in project_rows(workbook["项目进展"])}
    assert by_name["未予入库的申请"][10] == "未予入库" and by_name["未予入库的申请"][11] == "未予入库"
    assert "已撤回的申请" not in by_name
    # The entity sees its own draft in the ledger, never in a report.
    entity = make_user(Role.ENTITY, organization=world.entity_a)
    _, _, workbook = build(entity)
    names = {row[2] for row in project_rows(workbook["项目进展"])}
    assert names == {world.academy.name}


def test_scope_is_the_readers_district(world, make_user):
    xicheng_auditor = make_user(Role.AUDITOR, district_code="110102")
    _, _, workbook = build(xicheng_auditor)
    assert [row[2] for row in project_rows(workbook["项目进展"])] == [world.xicheng_project.name]
    with pytest.raises(services.ReportRefused):
        build(xicheng_auditor, {"district": world.haidian.pk})


def test_money_full_precision_in_rows_subtotals_rounded_once_half_up(db, auditor):
    # 0.123456 亿元 three times: rounded rows would give 0.36; the unrounded sum 0.370368 gives 0.37.
    for _ in range(3):
        ProjectFactory(total_investment=Decimal("1234.56"))
    # 0.125 亿元 exactly: half up gives 0.13 (banker's rounding would give 0.12).
    ProjectFactory(
        category=factories.category("industrial"),
        sub_type=factories.sub_type("industrial", 0),
        total_investment=Decimal("1250.00"),
    )
    _, result, workbook = build(auditor)
    sheet = workbook["项目进展"]
    rows = list(sheet.iter_rows(min_row=HEADER_ROW + 1, values_only=True))
    details = [row for row in rows if isinstance(row[0], int)]
    assert [row[TOTAL_COLUMN] for row in details] == [0.123456, 0.123456, 0.123456, 0.125]
    labels = {row[2]: row[TOTAL_COLUMN] for row in rows if not isinstance(row[0], int)}
    assert labels["居住类（3个，总投资 0.37亿元）"] == 0.37
    assert labels["产业类（1个，总投资 0.13亿元）"] == 0.13
    total = rows[-1]
    assert total[0] == "合计" and total[2] == "共4个项目" and total[TOTAL_COLUMN] == 0.5
    assert result.total_yi == Decimal("0.50")
    subtotal_cell = sheet.cell(HEADER_ROW + 4, TOTAL_COLUMN + 1)
    assert subtotal_cell.number_format == "#,##0.00" and subtotal_cell.font.b


def test_totals_tie_to_the_ledger(world, auditor):
    from projects.models import Project

    _, result, workbook = build(auditor)
    ledger = Project.objects.visible_to(auditor).exclude(stage__in=[Stage.DRAFT, Stage.WITHDRAWN])
    expected = sum(p.total_investment or 0 for p in ledger) / Decimal(10000)
    assert result.total_yi == expected.quantize(Decimal("0.01"))
    assert workbook["项目进展"].iter_rows(values_only=True)
    last = list(workbook["项目进展"].iter_rows(values_only=True))[-1]
    assert Decimal(str(last[TOTAL_COLUMN])) == result.total_yi


def test_summary_sheet_counts_match_the_rows(world, auditor):
    _, result, workbook = build(auditor)
    rows = project_rows(workbook["项目进展"])
    summary = list(workbook["汇总"].iter_rows(min_row=HEADER_ROW + 1, values_only=True))
    category_stage = [r for r in summary if r[0] == "类别×阶段" and r[2] != "小计"]
    assert sum(r[3] for r in category_stage) == len(rows)
    for category in {row[3] for row in rows}:
        subtotal = next(r for r in summary if r[0] == "类别×阶段" and r[1] == category and r[2] == "小计")
        assert subtotal[3] == sum(1 for row in rows if row[3] == category)
    libraries = {r[2]: r[3] for r in summary if r[0] == "项目库"}
    assert libraries["储备项目库"] == 1 and libraries["实施项目库"] == 1 and libraries["未予入库"] == 1
    assert summary[-1][0] == "合计" and summary[-1][3] == len(rows)
    assert Decimal(str(summary[-1][4])) == result.total_yi


def test_deadline_sheet_lists_overdue_and_late_deadlines(world, auditor, staff):
    today = workdays.today()
    long_ago = today - datetime.timedelta(days=60)
    overdue = factories.open_project_deadline(world.academy, long_ago, title="超期未办")
    factories.open_project_deadline(world.academy, today, title="正常办理")
    late = factories.open_project_deadline(world.factory, long_ago, title="逾期办结")
    close_deadlines(world.factory, kinds=[late.kind], actor=staff, reason="办结")
    _, result, workbook = build(auditor)
    rows = list(workbook["逾期期限"].iter_rows(min_row=HEADER_ROW + 1, values_only=True))
    assert [(row[1], row[4]) for row in rows] == [("逾期未完成", "超期未办"), ("逾期完成", "逾期办结")]
    assert rows[0][2] == world.academy.code and rows[0][10] > 0 and rows[1][10] > 0
    assert result.summary["deadlines"] == {"overdue": 1, "late": 1}
    by_code = {row[1]: row for row in project_rows(workbook["项目进展"])}
    academy = by_code[world.academy.code]
    assert (
        academy[35] == "逾期" and academy[36] > 0 and "超期未办" in academy[34] and "正常办理" in academy[34]
    )
    assert overdue.pk


def test_layout_real_dates_frozen_header_filter_print_titles_and_generation_time(world, auditor):
    report, _, workbook = build(auditor, {"library": Library.RESERVE})
    sheet = workbook["项目进展"]
    assert (
        sheet["A1"].value == f"海淀区城市更新项目进展情况表（截至{workdays.chinese_date(workdays.today())}）"
    )
    assert sheet["A2"].value == "筛选条件：项目库：储备项目库"
    assert sheet["A3"].value.startswith("生成时间：")
    assert [c.value for c in sheet[HEADER_ROW]] == [c.header for c in PROGRESS_COLUMNS]
    assert sheet.freeze_panes == f"A{HEADER_ROW + 1}"
    assert sheet.auto_filter.ref.startswith(f"A{HEADER_ROW}:")
    assert sheet.print_title_rows == f"${HEADER_ROW}:${HEADER_ROW}"
    received = sheet.cell(HEADER_ROW + 1, 13)
    assert received.value == datetime.datetime(2025, 3, 3) and received.number_format == 'yyyy"年"m"月"d"日"'
    assert sheet.column_dimensions["C"].width == 36
    assert re.fullmatch(r"海淀区城市更新项目进展情况表_\d{8}_\d{4}\.xlsx", report.filename)
    assert workbook.sheetnames == ["项目进展", "汇总", "逾期期限"]


def test_export_report_command_writes_the_district_and_logs_the_run(world, tmp_path):
    out = tmp_path / "report.xlsx"
    call_command("export_report", "--district", "海淀", "--out", str(out), "--as-of", "2025-12-31")
    workbook = openpyxl.load_workbook(out)
    sheet = workbook["项目进展"]
    assert sheet["A1"].value == "海淀区城市更新项目进展情况表（截至2025年12月31日）"
    names = {row[2] for row in project_rows(sheet)}
    assert names == {world.academy.name, world.factory.name, world.elderly.name, world.rejected.name}
    event = AuditEvent.objects.get(action="report.generate")
    assert event.actor is None and event.district.code == HAIDIAN
    assert event.data["rows"] == 4 and event.data["file"] == "report.xlsx"
    assert not list(tmp_path.glob("*.part"))

    listing = tmp_path / "list.xlsx"
    call_command("export_report", "--district", "110108", "--out", str(listing), "--layout", "library-list")
    assert openpyxl.load_workbook(listing).sheetnames == ["入库项目清单"]
    with pytest.raises(CommandError, match="未找到行政区"):
        call_command("export_report", "--district", "火星区", "--out", str(out))
    with pytest.raises(CommandError, match="截至日期"):
        call_command("export_report", "--district", "海淀区", "--out", str(out), "--as-of", "2025-13-01")


def test_permit_dates_and_investment_figures_fill_their_columns(world, auditor, monkeypatch):
    """Key dates and monthly investment come from the permits app (万元, percent); the report shows 亿元,
    real date cells, an exemption in words, and sums the investment columns like the total."""
    started = datetime.date(2025, 5, 8)
    monkeypatch.setattr(
        "reports.sources.key_dates",
        lambda ids: {
            world.academy.pk: {
                "planning_permit": "豁免",
                "construction_permit": datetime.date(2025, 4, 30),
                "works_started_on": started,
            }
        },
    )
    monkeypatch.setattr(
        "reports.sources.investment_figures",
        lambda ids, year, as_of=None: {
            world.academy.pk: {
                "year_planned": Decimal("3000.00"),
                "year_completed": Decimal("1234.56"),
                "since_start": Decimal("4321.00"),
                "percent_complete": Decimal("36.01"),
                "progress_text": "主体结构完工",
                "progress_on": datetime.date(2025, 10, 1),
            }
        },
    )
    monkeypatch.setattr(
        "reports.sources.latest_narratives",
        lambda ids, as_of=None: {
            world.academy.pk: ("外立面施工中，下一步安装电梯", datetime.date(2025, 11, 5))
        },
    )
    _, _, workbook = build(auditor)
    sheet = workbook["项目进展"]
    header = [c.value for c in sheet[HEADER_ROW]]
    line = next(
        r for r in range(HEADER_ROW + 1, sheet.max_row + 1) if sheet.cell(r, 2).value == world.academy.code
    )

    def cell(title):
        return sheet.cell(line, header.index(title) + 1)

    assert cell("建设工程规划许可").value == "豁免"
    assert cell("施工许可").value == datetime.datetime(2025, 4, 30)
    assert cell("开工日期").value == datetime.datetime(2025, 5, 8)
    assert cell("开工日期").number_format == 'yyyy"年"m"月"d"日"'
    assert cell("本年计划投资（亿元）").value == 0.3
    assert cell("本年完成投资（亿元）").value == 0.123456
    assert cell("自开工累计完成投资（亿元）").value == 0.4321
    assert cell("完成率").value == pytest.approx(0.3601) and cell("完成率").number_format == "0.00%"
    assert cell("形象进度").value == "主体结构完工"
    assert cell("最新进展").value == "外立面施工中，下一步安装电梯"
    assert cell("进展日期").value == datetime.datetime(2025, 11, 5)
    total = next(sheet.iter_rows(min_row=sheet.max_row, values_only=True))
    assert total[header.index("本年完成投资（亿元）")] == 0.12


def test_a_filter_left_at_its_empty_choice_is_not_described(world, auditor):
    report, _, _ = build(auditor, {"reported_to_city": "unknown", "q": "", "library": Library.RESERVE})
    assert report.described == {"项目库": "储备项目库"}


def test_an_exited_project_shows_its_exit_date_and_every_library_is_summed(world, auditor):
    world.elderly.library, world.elderly.library_exit_on = Library.EXITED, datetime.date(2026, 3, 1)
    world.elderly.save()
    _, _, workbook = build(auditor)
    by_code = {row[1]: row for row in project_rows(workbook["项目进展"])}
    assert by_code[world.elderly.code][11] == "已出库（2026年3月1日）"
    summary = list(workbook["汇总"].iter_rows(min_row=HEADER_ROW + 1, values_only=True))
    libraries = [(r[2], r[3]) for r in summary if r[0] == "项目库"]
    assert libraries == [("未入库", 1), ("储备项目库", 1), ("已出库", 1), ("未予入库", 1)]
    assert sum(count for _, count in libraries) == len(by_code)

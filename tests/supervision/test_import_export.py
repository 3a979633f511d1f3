"""Import and export in the district's layout (issue 15): round trip, re-import, unknown units, commands."""

import datetime
import io

import pytest
from django.core.management import CommandError, call_command

from renewal.choices import DeadlineState, OrganizationKind
from renewal.models import Deadline, Organization
from supervision import services, spreadsheet
from supervision.choices import DEADLINE_TASK_DUE, SourceType, TaskState
from supervision.models import ProgressEntry, SupervisionList, SupervisionTask
from tests.factories import district
from tests.supervision.helpers import LONG_PROGRESS, ROWS, TITLE, cells, make_units, table_bytes

pytestmark = pytest.mark.django_db


def _import(content, **kwargs):
    table = spreadsheet.read_table(io.BytesIO(content))
    return spreadsheet.import_table(table, district=district(), actor=None, **kwargs)


def test_round_trip_gives_back_the_same_cells():
    make_units()
    original = table_bytes()
    result = _import(original)
    assert (result.created, result.updated) == (3, 0)
    exported = spreadsheet.workbook_bytes([result.supervision_list])
    assert cells(exported) == cells(original)


def test_units_split_in_order_first_is_lead_with_missing_separator_and_spaces():
    units = make_units()
    rows = [list(row) for row in ROWS]
    rows[0][3] = "区住房城乡建设委，区发展改革委,区财政局"
    rows[2][3] = "中关村科学城管委会区城市更新服务中心"  # no "、" and no line break
    _import(table_bytes(rows))
    tasks = {t.number: t for t in SupervisionTask.objects.all()}
    names = lambda task: [u.name for u in task.ordered_units()]  # noqa: E731
    assert names(tasks["1"]) == ["区住房城乡建设委", "区发展改革委", "区财政局"]
    assert names(tasks["2"]) == ["学院路街道办事处", "市规划自然资源委海淀分局"]
    assert names(tasks["3"]) == ["中关村科学城管委会", "区城市更新服务中心"]
    assert tasks["2"].lead_unit == units["学院路街道办事处"]


def test_dates_sources_progress_and_deadline():
    units = make_units()
    rows = [list(row) for row in ROWS]
    rows[1][5] = "截至目前，已完成片区规划编制。[bookmark: _GoBack]"
    _import(table_bytes(rows))
    first, second, third = SupervisionTask.objects.order_by("position")
    assert first.due_date == datetime.date(2025, 12, 31) and first.due_text == "2025-12-31"
    assert second.due_date == datetime.date(2025, 10, 31) and second.due_text == "2025年10月31日"
    assert first.source_type == SourceType.CITY_REPORT and third.source_type == SourceType.DISTRICT_REPORT
    assert first.state == TaskState.ACTIVE
    assert first.entries.get().text == LONG_PROGRESS
    assert second.entries.get().text == "截至目前，已完成片区规划编制。"
    assert not third.entries.exists()
    deadline = Deadline.objects.for_subject(first).get(kind=DEADLINE_TASK_DUE)
    assert deadline.due_date == datetime.date(2025, 12, 31)
    assert deadline.responsible_organization == units["区住房城乡建设委"]
    assert deadline.state == DeadlineState.OPEN


def test_reimport_updates_instead_of_duplicating():
    make_units()
    _import(table_bytes())
    rows = [list(row) for row in ROWS]
    rows[1][5] = "截至目前，片区规划已批复，正在开展设计招标。"
    rows[1][4] = "2025-11-30"
    result = _import(table_bytes(rows))
    assert (result.created, result.updated) == (0, 3)
    assert SupervisionList.objects.count() == 1 and SupervisionTask.objects.count() == 3
    second = SupervisionTask.objects.get(number="2")
    assert second.entries.count() == 2  # the history stays; the cell shows the latest
    assert second.entries.first().text == "截至目前，片区规划已批复，正在开展设计招标。"
    assert SupervisionTask.objects.get(number="1").entries.count() == 1  # unchanged text: no new entry
    open_rows = Deadline.objects.for_subject(second).open()
    assert [d.due_date for d in open_rows] == [datetime.date(2025, 11, 30)]
    exported = cells(spreadsheet.workbook_bytes([result.supervision_list]))
    assert exported[3][4] == "2025-11-30" and exported[3][5].startswith("截至目前，片区规划已批复")


def test_unknown_units_are_listed_unless_created():
    make_units()
    rows = [list(row) for row in ROWS]
    rows[0][3] = "区住房城乡建设委、\n海淀区清河街道办事处、\n区数据中心"
    with pytest.raises(spreadsheet.ImportRefused) as refused:
        _import(table_bytes(rows))
    assert "海淀区清河街道办事处" in str(refused.value) and "区数据中心" in str(refused.value)
    assert not SupervisionTask.objects.exists()
    result = _import(table_bytes(rows), create_units=True)
    assert result.units_created == ["海淀区清河街道办事处", "区数据中心"]
    assert Organization.objects.get(name="海淀区清河街道办事处").kind == OrganizationKind.TOWN
    assert Organization.objects.get(name="区数据中心").kind == OrganizationKind.PUBLIC_INSTITUTION


def test_errors_by_row():
    make_units()
    rows = [list(row) for row in ROWS]
    rows[0][4] = "年底前"
    rows[1][0] = 1  # duplicate 序号
    rows[2][2] = ""
    table = spreadsheet.resolve(spreadsheet.read_table(io.BytesIO(table_bytes(rows))), district())
    errors = {row.line: row.errors for row in table.rows}
    assert "无法识别" in errors[3][0]
    assert errors[4] == ["序号1与第3行重复"]
    assert errors[5] == ["缺少任务内容"]
    assert spreadsheet.read_table(io.BytesIO(b"not a workbook")).errors


def test_internal_variant_adds_status_update_and_light():
    make_units()
    result = _import(table_bytes())
    exported = cells(spreadsheet.workbook_bytes([result.supervision_list], internal=True))
    assert list(exported[1][6:9]) == ["状态", "最近更新", "信号灯"]
    assert exported[2][6] == "推进中"
    assert exported[2][8]  # a light for the open 完成时限
    published = cells(spreadsheet.workbook_bytes([result.supervision_list]))
    assert len(published[1]) == 6


def test_commands(tmp_path):
    make_units()
    source = tmp_path / "督查表.xlsx"
    source.write_bytes(table_bytes())
    out = io.StringIO()
    call_command("import_supervision", str(source), "--district", "海淀区", stdout=out)
    assert "新增3项" in out.getvalue()
    call_command("import_supervision", str(source), "--district", "海淀区", stdout=out)
    assert SupervisionTask.objects.count() == 3
    target = tmp_path / "导出.xlsx"
    call_command(
        "export_supervision", "--district", "海淀区", "--out", str(target), "--list", TITLE, stdout=out
    )
    assert cells(target.read_bytes()) == cells(table_bytes())
    with pytest.raises(CommandError):
        call_command("export_supervision", "--district", "海淀区", "--out", str(target), "--list", "无此表")
    rows = [list(row) for row in ROWS]
    rows[0][3] = "区不存在局"
    source.write_bytes(table_bytes(rows))
    with pytest.raises(CommandError, match="区不存在局"):
        call_command("import_supervision", str(source), "--district", "海淀区")
    call_command("import_supervision", str(source), "--district", "海淀区", "--create-units", stdout=out)
    assert Organization.objects.filter(name="区不存在局").exists()


def test_progress_entry_ordering_latest_first():
    make_units()
    result = _import(table_bytes())
    task = result.supervision_list.tasks.get(number="3")
    ProgressEntry.objects.create(task=task, date=datetime.date(2025, 9, 1), text="九月进展")
    ProgressEntry.objects.create(task=task, date=datetime.date(2025, 10, 1), text="十月进展")
    assert services.latest_entries([task])[task.pk].text == "十月进展"


def test_a_date_cell_comes_back_as_a_date_cell():
    make_units()
    rows = [list(row) for row in ROWS]
    rows[0][4] = datetime.datetime(2025, 12, 31)
    original = table_bytes(rows)
    result = _import(original)
    task = result.supervision_list.tasks.get(number="1")
    assert task.due_date == datetime.date(2025, 12, 31) and task.due_text == ""
    assert cells(spreadsheet.workbook_bytes([result.supervision_list])) == cells(original)

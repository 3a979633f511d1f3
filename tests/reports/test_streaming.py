"""Exports stream (issue 16): write-only workbooks fed row by row, nothing read back from the sheet."""

import io

import openpyxl
import pytest
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from projects.selectors import ledger_queryset
from projects.views.ledger import ledger_workbook, streamed_ledger_rows
from renewal.choices import Role
from reports.workbook import Column, StreamingSheet, discard, new_workbook
from tests.projects import factories


def test_the_ledger_export_is_write_only_and_takes_a_generator(db, make_user):
    factories.ledger_world()
    staff = make_user(Role.STAFF)
    consumed = []

    def rows():
        for row in streamed_ledger_rows(ledger_queryset(staff).order_by("code")):
            consumed.append(row)
            yield row

    workbook = ledger_workbook(rows(), "测试台账")
    assert workbook.write_only and isinstance(workbook.worksheets[0], WriteOnlyWorksheet)
    assert len(consumed) == 3  # consumed while writing, not collected first
    out = io.BytesIO()
    workbook.save(out)
    sheet = openpyxl.load_workbook(out).active
    values = list(sheet.iter_rows(values_only=True))
    assert values[0][0] == "测试台账" and values[-1][2] == "共3个项目"
    assert sheet.freeze_panes == "A3" and sheet.cell(3, 14).number_format == "yyyy-mm-dd"


def test_a_discarded_workbook_leaves_no_temporary_file(tmp_path, monkeypatch):
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    workbook = new_workbook()
    sheet = StreamingSheet(workbook, "表", [Column("甲"), Column("乙", kind="date")], ["标题"])
    for number in range(100):
        sheet.append([number, None])
    assert list(tmp_path.iterdir())  # openpyxl streams each sheet to a temporary file
    discard(workbook)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("count", [3, 30])
def test_download_log_queries_do_not_grow_with_rows(
    client, db, make_user, count, django_assert_max_num_queries
):
    from renewal.services import record_event

    auditor = make_user(Role.AUDITOR)
    for number in range(count):
        record_event(
            actor=auditor,
            action="ledger.export",
            action_label="导出项目库台账",
            data={"rows": number, "filters": {"q": "老旧"}},
            district=auditor.district,
        )
    client.force_login(auditor)
    with django_assert_max_num_queries(16):
        response = client.get("/reports/downloads/")
    assert response.content.decode().count("<tr data-event=") == count

"""Spreadsheet exports of the kernel's lists. Cells hold real dates (shown as 2025年10月23日 by their
number format) and ISO text where the data is text; nothing is reformatted in the stored data."""

import json

from django.contrib.contenttypes.models import ContentType
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from renewal.selectors import event_state_label

# Excel number formats: a date cell reads 2025年10月23日 whatever the reader's locale.
CHINESE_DATE_FORMAT = 'yyyy"年"m"月"d"日"'
TIME_FORMAT = "hh:mm:ss"

AUDIT_COLUMNS = [
    ("日期", 16),
    ("时间", 10),
    ("操作人", 14),
    ("操作", 28),
    ("操作代码", 26),
    ("对象类型", 14),
    ("对象编号", 10),
    ("对象", 40),
    ("原状态", 16),
    ("新状态", 16),
    ("原因/说明", 40),
    ("区", 10),
    ("对象所属单位", 28),
    ("IP", 16),
    ("详情", 40),
]


def _type_label(type_id) -> str:
    if not type_id:
        return ""
    model = ContentType.objects.get_for_id(type_id).model_class()
    return str(model._meta.verbose_name) if model is not None else ""


def _state(action: str, code: str) -> str | None:
    """The state in words; dates stored in it stay ISO in the cell (cell values are data, not prose)."""
    return event_state_label(action, code, readable_dates=False) or None


def _cell(sheet, value, number_format=None, bold=False):
    cell = WriteOnlyCell(sheet, value=value)
    if number_format:
        cell.number_format = number_format
    if bold:
        cell.font = Font(bold=True)
    return cell


def audit_workbook(events, *, title: str) -> tuple[Workbook, int]:
    """Title row, header row, one row per event (oldest last, as listed). Returns (workbook, row count)."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("审计记录")
    for index, (_, width) in enumerate(AUDIT_COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A3"
    heading = _cell(sheet, title, bold=True)
    heading.font = Font(bold=True, size=14)
    sheet.append([heading])
    header = []
    for label, _ in AUDIT_COLUMNS:
        cell = _cell(sheet, label, bold=True)
        cell.alignment = Alignment(horizontal="center")
        header.append(cell)
    sheet.append(header)
    count = 0
    for event in events:
        at = timezone.localtime(event.created_at).replace(tzinfo=None)
        sheet.append(
            [
                _cell(sheet, at.date(), CHINESE_DATE_FORMAT),
                _cell(sheet, at.time().replace(microsecond=0), TIME_FORMAT),
                event.actor_name,
                event.action_label or event.action,
                event.action,
                _type_label(event.content_type_id),
                event.object_id or None,
                event.object_repr or None,
                _state(event.action, event.from_state),
                _state(event.action, event.to_state),
                event.reason or None,
                event.district.name if event.district_id else None,
                event.organization.name if event.organization_id else None,
                event.ip,
                json.dumps(event.data, ensure_ascii=False) if event.data else None,
            ]
        )
        count += 1
    return workbook, count

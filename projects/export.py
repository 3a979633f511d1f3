"""The ledger export (项目库台账 .xlsx), streamed through a write-only workbook (issue 16).

The rows are the scoped, filtered `ledger_queryset` read as plain values a chunk at a time: one query for
the projects (with the joined names and whether each lists other districts), and per chunk one for the
open deadlines, lit with a calendar snapshot kept while it covers their due dates (two queries when it
does not; `projects.selectors.worst_lights`, the HTML ledger's rule), and, when the chunk has 跨区
projects, one for their districts. The sheet gets plain values; only the money and date columns are
styled cells, made once and refilled for each row (a write-only sheet serialises a row as it is appended).
"""

from collections.abc import Iterable
from copy import copy
from datetime import date
from decimal import Decimal
from typing import NamedTuple

from django.db.models import Exists, OuterRef
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from projects.models import Project
from projects.selectors import (
    ChunkCalendar,
    cross_district_names,
    describe_light,
    ledger_open_deadlines,
    worst_lights,
)
from renewal import calendar as workdays

EXPORT_COLUMNS = [
    ("序号", 6),
    ("项目编号", 18),
    ("项目名称", 40),
    ("区", 10),
    ("类别", 12),
    ("子类", 24),
    ("实施路径", 20),
    ("阶段", 14),
    ("项目库", 12),
    ("实施主体", 28),
    ("统筹主体", 28),
    ("总投资（万元）", 16),
    ("总投资（亿元）", 16),
    ("受理日", 12),
    ("入库日", 12),
    ("期限", 36),
]
WAN_FORMAT = "#,##0.00"
YI_FORMAT = "#,##0.0000"
DATE_FORMAT = "yyyy-mm-dd"

# What a row reads of each project, joined names included (the id and lead district for the chunk's reads,
# and whether the project lists a district besides its lead one).
EXPORT_FIELDS = (
    "pk",
    "district_id",
    "code",
    "name",
    "district__name",
    "category__name",
    "sub_type__name",
    "path",
    "stage",
    "library",
    "implementing_entity__name",
    "coordinating_entity__name",
    "total_investment",
    "received_on",
    "admitted_on",
    "lists_other_districts",
)


class ExportRow(NamedTuple):
    """One project's cells after 序号, as the sheet shows them (None: an empty cell)."""

    code: str | None
    name: str
    district: str
    category: str | None
    sub_type: str | None
    path: str
    stage: str
    library: str
    implementing_entity: str | None
    coordinating_entity: str | None
    total_investment: Decimal | None
    received_on: date | None
    admitted_on: date | None
    light: str | None


def district_label(lead: str, others: Iterable[str]) -> str:
    """The lead district, and the other districts a 跨区 project lists (issue 10 item 2)."""
    others = list(others)
    return lead + (f"（跨区：{'、'.join(others)}）" if others else "")


def _labels(field_name: str) -> dict:
    """{stored value: label} of a choices field, as get_FOO_display shows it (an unknown value as is)."""
    return {value: str(label) for value, label in Project._meta.get_field(field_name).flatchoices}


def _export_rows(chunk, open_deadlines, calendar, labels):
    lights = worst_lights(open_deadlines, [values[0] for values in chunk], calendar)
    cross = [values[0] for values in chunk if values[-1]]
    listed = cross_district_names(cross) if cross else {}
    paths, stages, libraries = labels
    for (
        pk,
        district_id,
        code,
        name,
        district,
        category,
        sub_type,
        path,
        stage,
        library,
        implementing,
        coordinating,
        total,
        received,
        admitted,
        is_cross,
    ) in chunk:
        yield ExportRow(
            code or None,
            name,
            district_label(district, (n for d, n in listed[pk] if d != district_id))
            if is_cross
            else district,
            category,
            sub_type,
            paths.get(path, path),
            stages.get(stage, stage),
            libraries.get(library, library),
            implementing,
            coordinating,
            total,
            received,
            admitted,
            describe_light(lights.get(pk)) or None,
        )


def streamed_ledger_rows(queryset, chunk_size: int = 1000, today=None):
    """`ExportRow`s of a `ledger_queryset` (filtered and ordered as given), read as values a chunk at a
    time: memory flat in N, queries a few per chunk, the lights those of the HTML ledger."""
    open_deadlines = ledger_open_deadlines(queryset)  # the same user's scope as the ledger's lights
    calendar = ChunkCalendar(today or workdays.today())
    labels = (_labels("path"), _labels("stage"), _labels("library"))
    others = Project.districts.through.objects.filter(project_id=OuterRef("pk")).exclude(
        district_id=OuterRef("district_id")
    )
    values = (
        queryset.prefetch_related(None)
        .annotate(lists_other_districts=Exists(others))
        .values_list(*EXPORT_FIELDS)
    )
    chunk = []
    for row in values.iterator(chunk_size=chunk_size):
        chunk.append(row)
        if len(chunk) >= chunk_size:
            yield from _export_rows(chunk, open_deadlines, calendar, labels)
            chunk = []
    if chunk:
        yield from _export_rows(chunk, open_deadlines, calendar, labels)


def _styled(sheet, number_format=None, bold=False):
    """A prepared cell style (a StyleArray), shared by the cells of its column."""
    cell = WriteOnlyCell(sheet)
    if number_format:
        cell.number_format = number_format
    if bold:
        cell.font = Font(bold=True)
    return cell._style


def _cell(sheet, value, style):
    if value is None:
        return None
    cell = WriteOnlyCell(sheet, value=value)
    cell._style = copy(style)
    return cell


class _Refilled:
    """A styled cell of one column, refilled for each row: a write-only sheet serialises a row as it is
    appended, so one cell per styled column serves every row (no cell or style copy per row). The
    column's values are all of one type (numbers "n" or dates "d"), so the type is set once too."""

    def __init__(self, sheet, number_format, data_type):
        self.cell = WriteOnlyCell(sheet)
        self.cell.number_format = number_format
        self.cell.data_type = data_type

    def __call__(self, value):
        if value is None:
            return None
        self.cell._value = value
        return self.cell


def ledger_workbook(rows: Iterable[ExportRow], title: str) -> Workbook:
    """Title row, header row, one row per project, a total row; dates ISO 8601, money in 万元 and 亿元.

    Write-only and streamed (issue 16): rows may be a generator, nothing is read back from the sheet."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("项目库台账")
    for index, (_, width) in enumerate(EXPORT_COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A3"
    sheet.merged_cells.add(f"A1:{get_column_letter(len(EXPORT_COLUMNS))}1")
    heading = WriteOnlyCell(sheet, value=title)
    heading.font = Font(bold=True, size=14)
    heading.alignment = Alignment(horizontal="center")
    sheet.append([heading])
    header = []
    for label, _ in EXPORT_COLUMNS:
        cell = WriteOnlyCell(sheet, value=label)
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        header.append(cell)
    sheet.append(header)
    wan, yi = _Refilled(sheet, WAN_FORMAT, "n"), _Refilled(sheet, YI_FORMAT, "n")
    received_on, admitted_on = _Refilled(sheet, DATE_FORMAT, "d"), _Refilled(sheet, DATE_FORMAT, "d")
    append = sheet.append
    total = 0
    count = 0
    for count, row in enumerate(rows, start=1):
        investment = row.total_investment
        total += investment or 0
        append(
            [
                count,
                *row[:10],
                wan(investment),
                yi(None if investment is None else investment / 10000),
                received_on(row.received_on),
                admitted_on(row.admitted_on),
                row.light,
            ]
        )
    bold = _styled(sheet, bold=True)
    values = ["合计", None, f"共{count}个项目", *[None] * 8]
    sheet.append(
        [_cell(sheet, value, bold) for value in values]
        + [
            _cell(sheet, total, _styled(sheet, WAN_FORMAT, True)),
            _cell(sheet, total / 10000, _styled(sheet, YI_FORMAT, True)),
        ]
    )
    return workbook

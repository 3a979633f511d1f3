"""The ledger export (项目库台账 .xlsx), streamed through a write-only workbook (issue 16).

The rows are the scoped, filtered `ledger_queryset` read as plain values a chunk at a time: one query for
the projects (with the joined names and whether each lists other districts), and per chunk one for the
open deadlines, lit with a calendar snapshot kept while it covers their due dates (two queries when it
does not; `projects.selectors.worst_lights`, the HTML ledger's rule), and, when the chunk has 跨区
projects, one for their districts. The sheet gets plain values; only the money and date columns are
styled cells, made once and refilled for each row (a write-only sheet serialises a row as it is appended),
and the data rows are serialised by `_RowWriter` into the XML openpyxl's cell writer makes of them.
"""

from collections.abc import Iterable
from copy import copy
from datetime import date
from decimal import Decimal
from typing import NamedTuple
from xml.etree.ElementTree import _escape_cdata

from django.db.models import Exists, OuterRef
from openpyxl import LXML, Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell._writer import write_cell
from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import to_excel

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


# Data rows are written as XML text by _RowWriter (issue 16); tests turn it off to compare the files.
WRITE_ROWS_DIRECTLY = True
_LETTERS = [get_column_letter(index) for index in range(1, len(EXPORT_COLUMNS) + 1)]
_MAX_STRING = 32767  # openpyxl cuts longer text; such a value goes through openpyxl


class _DataRow(tuple):
    """One project's values in column order, for _RowWriter (every other row goes through openpyxl)."""


class _RowWriter:
    """Writes the data rows of a write-only sheet as openpyxl's own writer writes them, byte for byte.

    openpyxl makes, for every cell, a cell object, an ElementTree element and its serialisation: about
    80 % of the export of 50,000 projects, and the reason it ran at 0.67× bare openpyxl (issue 16). Here
    a row's cells are formatted as text in one pass. What the short path does not cover exactly (text
    that openpyxl would take for a formula or an error code, cut, mark as space-preserving or refuse for
    control characters; a value of another type) is handed, cell by cell, to openpyxl's cell writer, so
    the file stays the one openpyxl writes. Hooked into the sheet's row writer: the rows still pass
    through `sheet.append`, which numbers them."""

    def __init__(self, sheet, styled: dict[int, "_Refilled"]):
        self.sheet = sheet
        self.styled = styled  # {column index: its styled cell}
        self.style_ids: dict[int, str] = {}
        self.serials: dict = {}  # date → its Excel serial number as text
        self.epoch = sheet.parent.epoch
        writer = sheet._writer
        values_to_row, write_row = sheet._values_to_row, writer.write_row
        self._openpyxl_row = lambda xf, values, row_idx: write_row(
            xf, values_to_row(values, row_idx), row_idx
        )
        sheet._values_to_row = lambda values, row_idx: (
            values if type(values) is _DataRow else values_to_row(values, row_idx)
        )
        writer.write_row = lambda xf, row, row_idx: (
            self.write(xf, row, row_idx) if type(row) is _DataRow else write_row(xf, row, row_idx)
        )

    def cells(self, values) -> list:
        """The row as openpyxl's path takes it: the styled columns as their refilled cells."""
        styled = self.styled
        return [styled[index](value) if index in styled else value for index, value in enumerate(values)]

    def write(self, xf, values, row_idx):
        if row_idx in self.sheet.row_dimensions or self.sheet.parent.iso_dates:
            return self._openpyxl_row(xf, self.cells(values), row_idx)
        number = str(row_idx)
        parts = [f'<row r="{number}">']
        for index, value in enumerate(values):
            if value is None:
                continue
            kind = type(value)
            style = self.styled.get(index)
            if style is None:
                if kind is str:
                    if (
                        value
                        and value[0] != "="
                        and len(value) <= _MAX_STRING
                        and value.strip() == value
                        and value not in ERROR_CODES
                        and not ILLEGAL_CHARACTERS_RE.search(value)
                    ):
                        parts.append(
                            f'<c r="{_LETTERS[index]}{number}" t="inlineStr"><is><t>'
                            f"{_escape_cdata(value)}</t></is></c>"
                        )
                        continue
                elif kind is int or (kind is Decimal and value.is_finite()):
                    text = "%.16g" % value  # noqa: UP031 -- through float, as openpyxl's safe_string
                    parts.append(f'<c r="{_LETTERS[index]}{number}" t="n"><v>{text}</v></c>')
                    continue
                cell = WriteOnlyCell(self.sheet, value=value)
            else:
                text = None
                if style.cell.data_type == "n" and (kind is int or (kind is Decimal and value.is_finite())):
                    text = "%.16g" % value  # noqa: UP031 -- a Decimal's format() would differ
                elif style.cell.data_type == "d" and kind is date:
                    text = self.serials.get(value)
                    if text is None:
                        text = self.serials[value] = "%.16g" % to_excel(value, self.epoch)  # noqa: UP031
                if text is not None:
                    style_id = self.style_ids.get(index)
                    if style_id is None:
                        style_id = self.style_ids[index] = str(style.cell.style_id)
                    parts.append(f'<c r="{_LETTERS[index]}{number}" s="{style_id}" t="n"><v>{text}</v></c>')
                    continue
                cell = style(value)
            # openpyxl's own cell writer, after what is already formatted.
            xf._file("".join(parts))
            parts = []
            cell.row, cell.column = row_idx, index + 1
            write_cell(xf, self.sheet, cell, cell.has_style)
        parts.append("</row>")
        xf._file("".join(parts))


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
    if WRITE_ROWS_DIRECTLY and not LXML:
        _RowWriter(sheet, {11: wan, 12: yi, 13: received_on, 14: admitted_on})
        for count, row in enumerate(rows, start=1):
            investment = row.total_investment
            total += investment or 0
            append(
                _DataRow(
                    (
                        count,
                        *row[:10],
                        investment,
                        None if investment is None else investment / 10000,
                        row.received_on,
                        row.admitted_on,
                        row.light,
                    )
                )
            )
    else:
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

"""A streaming spreadsheet writer: write-only openpyxl, one row at a time, flat memory in N.

Why: the old ledger export read `Worksheet.max_row` after every row of a normal workbook (quadratic,
issue 16). Here rows go straight to the sheet's XML; styled cells reuse one prepared style each, so a
row costs little more than bare `openpyxl` write-only. Cells hold real numbers and real dates
(DOMAIN.md §4: a date cell reads 2025年10月23日 by its number format, whatever the reader's locale).
"""

from __future__ import annotations

import datetime
from copy import copy
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from renewal.dates import chinese_date
from renewal.exports import CHINESE_DATE_FORMAT

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# Number formats of the kinds of column a report has.
FORMATS = {
    "text": None,
    "int": "0",
    "date": CHINESE_DATE_FORMAT,
    "yi": "#,##0.00####",  # 亿元 at full precision, two decimals at least
    "money2": "#,##0.00",  # a rounded subtotal or total
    "wan": "#,##0.00",
    "percent": "0.00%",
}

CENT = Decimal("0.01")


def round_money(amount) -> Decimal | None:
    """Round once to two decimals, half up (subtotals and totals, DOMAIN.md §5)."""
    if amount is None:
        return None
    return Decimal(amount).quantize(CENT, rounding=ROUND_HALF_UP)


def generation_stamp(now=None) -> tuple[str, str]:
    """(“2026年11月30日 18:52”, “20261130_1852”): the generation time for the sheet and the file name."""
    now = timezone.localtime(now or timezone.now())
    return f"{chinese_date(now)} {now:%H:%M}", f"{now:%Y%m%d_%H%M}"


@dataclass(frozen=True)
class Column:
    header: str
    width: float = 12
    kind: str = "text"  # a key of FORMATS
    wrap: bool = False


class StreamingSheet:
    """One sheet of a write-only workbook: heading lines, a header row, then rows as they come.

    `finish()` sets the autofilter over the header and the rows written, the frozen panes below the header
    and the print titles, so each printed page repeats the header.
    """

    def __init__(self, workbook: Workbook, title: str, columns: list[Column], heading: list[str]):
        self.sheet = workbook.create_sheet(title)
        self.columns = columns
        self.rows_written = 0
        sheet = self.sheet
        for index, column in enumerate(columns, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = column.width
        self._styles = [self._prototype(column) for column in columns]
        self._bold_styles = [self._prototype(column, bold=True) for column in columns]
        last = get_column_letter(len(columns))
        # Write-only: the sheet's view (frozen panes) and widths are written with the first row.
        self.header_row = len(heading) + 1
        sheet.freeze_panes = f"A{self.header_row + 1}"
        for number, line in enumerate(heading, start=1):
            cell = WriteOnlyCell(sheet, value=line)
            cell.font = Font(bold=True, size=14) if number == 1 else Font(size=10)
            sheet.append([cell])
            sheet.merged_cells.add(f"A{number}:{last}{number}")
        header = []
        for column in columns:
            cell = WriteOnlyCell(sheet, value=column.header)
            cell.font = Font(bold=True)
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
            header.append(cell)
        sheet.append(header)
        sheet.print_title_rows = f"{self.header_row}:{self.header_row}"
        sheet.page_setup.orientation = "landscape"
        sheet.page_setup.fitToWidth = 1
        sheet.page_setup.fitToHeight = 0
        sheet.sheet_properties.pageSetUpPr.fitToPage = True

    def _prototype(self, column: Column, bold: bool = False):
        """A styled cell whose style is copied onto each cell of the column (no per-cell style lookup)."""
        fmt = FORMATS[column.kind]
        if fmt is None and not column.wrap and not bold:
            return None
        cell = WriteOnlyCell(self.sheet)
        if fmt:
            cell.number_format = fmt
        if column.wrap:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        if bold:
            cell.font = Font(bold=True)
        return cell._style

    def append(self, values, *, bold: bool = False, kinds: dict[int, str] | None = None):
        """Write one row; `kinds` overrides a column's number format for this row (index → FORMATS key)."""
        styles = self._bold_styles if bold else self._styles
        sheet = self.sheet
        row = []
        for index, value in enumerate(values):
            style = styles[index] if index < len(styles) else None
            if kinds and index in kinds:
                cell = WriteOnlyCell(sheet, value=_cell_value(value))
                cell.number_format = FORMATS[kinds[index]]
                if bold:
                    cell.font = Font(bold=True)
                row.append(cell)
            elif style is None or value is None:
                row.append(_cell_value(value))
            else:
                cell = WriteOnlyCell(sheet, value=_cell_value(value))
                cell._style = copy(style)
                row.append(cell)
        sheet.append(row)
        self.rows_written += 1

    def finish(self):
        last_column = get_column_letter(len(self.columns))
        last_row = self.header_row + self.rows_written
        self.sheet.auto_filter.ref = f"A{self.header_row}:{last_column}{last_row}"


def _cell_value(value):
    """Decimals as floats (Excel's numbers), aware datetimes as local naive ones; the rest unchanged."""
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, datetime.datetime) and timezone.is_aware(value):
        return timezone.localtime(value).replace(tzinfo=None)
    return value


def new_workbook() -> Workbook:
    return Workbook(write_only=True)


def discard(workbook: Workbook) -> None:
    """Drop a write-only workbook that will not be saved: close each sheet's stream and remove the
    temporary file openpyxl keeps per sheet (a failed or killed report leaves nothing behind)."""
    for sheet in workbook.worksheets:
        writer = getattr(sheet, "_writer", None)
        rows = getattr(sheet, "_rows", None)
        try:
            if rows is not None:
                rows.close()
            if writer is not None:
                writer.close()
        except Exception:  # a half-written stream may refuse to close cleanly; the file goes anyway
            pass
        if writer is not None:
            writer.cleanup()

"""Import of the 入库项目清单 layout (DOMAIN.md §5): 序号 | 项目编号 | 项目名称 | 项目总投资（亿元） | 区域.

《老旧低效楼宇更新实施办法（试行）》（京建法〔2024〕14号）第二十条: projects already reviewed and
confirmed by the city/district renewal authorities and departments enter the library directly by import.
A workbook is parsed in full first; it is written only when no row has an error, in one transaction, so a
file is either imported completely or not at all.
"""

from __future__ import annotations

import io
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from xml.etree import ElementTree

import openpyxl
from django.db import IntegrityError, connection, connections, router, transaction
from django.db.models import DateField, DateTimeField, Field
from django.utils import timezone

from projects.choices import ImportBasis, ImportStatus, Library, Source, Stage
from projects.models import ImportBatch, Project
from projects.scope_cache import projects_changed
from renewal import calendar as workdays
from renewal import reactions
from renewal.models import District
from renewal.services import record_event, record_events

REQUIRED_HEADERS = {
    "code": "项目编号",
    "name": "项目名称",
    "investment": "项目总投资（亿元）",
    "district": "区域",
}
OPTIONAL_HEADERS = {"number": "序号", "district_total": "区域总投资（亿元）"}
IMPORT_LIBRARIES = {Library.RESERVE: Stage.RESERVE, Library.IMPLEMENTATION: Stage.IMPLEMENTATION}

# Project.total_investment is DecimalField(max_digits=14, decimal_places=2) in 万元:
# 1 万元 cent = 0.000001 亿元, and the largest amount is just under 10^8 亿元.
INVESTMENT_QUANTUM = Decimal("0.000001")
INVESTMENT_LIMIT_YI = Decimal(10) ** 8
WAN_PER_YI = Decimal(10000)
CODE_MAX_LENGTH = Project._meta.get_field("code").max_length
NAME_MAX_LENGTH = Project._meta.get_field("name").max_length
MAX_DATA_ROWS = 20000
EXISTING_CODE_CHUNK = 500
WRITE_CHUNK = 2000  # projects written per step of the import job's progress
IMPORT_JOB = "projects.import"

# Whitespace as PDF copies leave it: Unicode spaces (incl. U+3000, U+00A0), line breaks, and the
# zero-width characters that \s does not cover.
_WHITESPACE = re.compile(r"[\s\u200b\u200c\u200d\u2060\ufeff]+")
_NUMBER = re.compile(r"^[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d*)?$|^[+-]?\.\d+$")


class WorkbookError(Exception):
    """The upload is not a readable .xlsx workbook."""


class ImportRefused(ValueError):
    """The rows were not written; `errors` lists every reason."""

    def __init__(self, errors):
        self.errors = list(errors)
        super().__init__("\n".join(str(error) for error in self.errors) or "没有可导入的项目。")


class BatchAlreadyCommitted(Exception):
    """A batch is imported once; a second commit is refused."""


@dataclass(frozen=True)
class RowError:
    row: int | None  # Excel row number; None for an error about the whole file
    message: str

    def __str__(self):
        return f"第{self.row}行：{self.message}" if self.row is not None else self.message

    def as_dict(self) -> dict:
        return {"row": self.row, "message": self.message}


@dataclass(frozen=True)
class ImportRow:
    row: int  # Excel row number
    number: str  # 序号 as written, may be empty
    code: str
    name: str
    investment_yi: Decimal
    district: District  # the lead district: the first one listed
    districts: tuple[District, ...] = ()  # every listed district of a 跨区 project (empty: one district)


@dataclass(frozen=True)
class Reconciliation:
    """A stated subtotal or total against the sum of its rows rounded once, half-up, to 2 decimals."""

    label: str
    stated: Decimal
    computed: Decimal

    @property
    def ok(self) -> bool:
        return self.stated == self.computed


@dataclass
class _Group:
    """Rows counted under one stated figure: a 区域 group, a section, or the whole list (合计)."""

    label: str
    row: int
    stated: Decimal | None
    amounts: list[Decimal] = field(default_factory=list)
    last_row: int = 0


@dataclass
class ParseResult:
    rows: list[ImportRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    data_row_count: int = 0  # non-empty rows below the header, with or without errors
    checks: list[Reconciliation] = field(default_factory=list)  # subtotals and 合计 as reconciled

    @property
    def ok(self) -> bool:
        return not self.errors and bool(self.rows)

    @property
    def total_yi(self) -> Decimal:
        return sum((row.investment_yi for row in self.rows), Decimal(0))

    def add_error(self, row: int | None, message: str):
        self.errors.append(RowError(row, message))


# --- normalisation -----------------------------------------------------------------------------------


def _is_ascii_alnum(char: str) -> bool:
    return char.isascii() and char.isalnum()


def normalize_name(value) -> str:
    """Join the pieces a PDF copy splits a name into; keep one space only between two ASCII words.

    "海淀区 学院路\\n街道老旧小区 综合整治" → "海淀区学院路街道老旧小区综合整治"; "A 座" → "A座";
    "Building A" stays.
    """
    if value is None:
        return ""
    tokens = [token for token in _WHITESPACE.split(str(value)) if token]
    if not tokens:
        return ""
    joined = tokens[0]
    for token in tokens[1:]:
        if _is_ascii_alnum(joined[-1]) and _is_ascii_alnum(token[0]):
            joined += " "
        joined += token
    return joined


def _without_whitespace(value) -> str:
    if value is None:
        return ""
    return _WHITESPACE.sub("", str(value))


def normalize_code(value) -> str:
    """Codes lose every space and line break; a code Excel stored as a number loses its ".0"."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return _without_whitespace(value)


def normalize_header(value) -> str:
    text = _without_whitespace(value)
    return text.replace("(", "（").replace(")", "）")


def parse_investment(value) -> tuple[Decimal | None, str | None]:
    """(amount in 亿元, None) or (None, Chinese message)."""
    if value is None or (isinstance(value, str) and not _without_whitespace(value)):
        return None, "项目总投资为空"
    if isinstance(value, bool):
        return None, f"项目总投资“{value}”不是数字"
    if isinstance(value, int | float | Decimal):
        try:
            amount = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
        except InvalidOperation:
            return None, f"项目总投资“{value}”不是数字"
    elif isinstance(value, str):
        text = _without_whitespace(unicodedata.normalize("NFKC", value))
        if not _NUMBER.match(text):
            return None, f"项目总投资“{value.strip()}”不是数字"
        amount = Decimal(text.replace(",", ""))
    else:
        return None, f"项目总投资“{value}”不是数字"
    if not amount.is_finite():
        return None, f"项目总投资“{value}”不是数字"
    if amount < 0:
        return None, f"项目总投资不能为负数（{value}）"
    amount = amount.quantize(INVESTMENT_QUANTUM, rounding=ROUND_HALF_UP)
    if amount >= INVESTMENT_LIMIT_YI:
        return None, f"项目总投资“{value}”亿元超出可记录的范围"
    return amount, None


def format_yi(amount: Decimal) -> str:
    """Up to four decimals, trailing zeros stripped: 12.5000 → "12.5", 3 → "3"."""
    text = f"{Decimal(amount).quantize(Decimal('0.0001'), rounding=ROUND_HALF_UP):f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _is_empty(values) -> bool:
    return all(
        value is None or (isinstance(value, str) and not _without_whitespace(value)) for value in values
    )


TOTAL_LABELS = ("合计", "总计")
SUBTOTAL_LABEL = "小计"
_LABEL_TAIL = re.compile(r"^[（(]?亿元[）)]?[:：]?$")
_SECTION_TOTAL = re.compile(r"总投资\s*[:：]?\s*([0-9][0-9,]*(?:\.[0-9]+)?)\s*亿元")
_DISTRICT_SEPARATORS = re.compile(r"[、，,；;／/]+")


def _label_kind(values) -> str | None:
    """ "total" for the list's 合计 row ("合计", "合计 （亿元）"), "subtotal" for a 小计 row, else None."""
    for value in values:
        if not isinstance(value, str):
            continue
        text = _without_whitespace(value)
        for label in TOTAL_LABELS:
            if text.startswith(label) and (text == label or _LABEL_TAIL.match(text[len(label) :])):
                return "total"
        if text.startswith(SUBTOTAL_LABEL) and (
            text == SUBTOTAL_LABEL or _LABEL_TAIL.match(text[len(SUBTOTAL_LABEL) :])
        ):
            return "subtotal"
    return None


def _is_total_row(values) -> bool:
    """Published lists end with a 合计 row; it is a sum, not a project."""
    return _label_kind(values) is not None


# --- scope -------------------------------------------------------------------------------------------


def restricted_district_id(actor):
    """The only district the actor may import into, or None for no restriction.

    A system import (no actor), administrators and city-level users import into any district; everyone
    else only into their own. A user without an organisation has no district and so may import nothing;
    this returns the sentinel 0, which no district has.
    """
    if actor is None or actor.is_administrator or actor.is_city_level:
        return None
    return actor.district_id or 0


# --- parsing -----------------------------------------------------------------------------------------


def open_workbook(file):
    """Open a workbook read-only, or raise WorkbookError with a Chinese message."""
    if hasattr(file, "seek"):
        file.seek(0)
    try:
        return openpyxl.load_workbook(file, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds of errors on damaged or foreign files
        raise WorkbookError(
            "文件不是有效的 Excel 工作簿（.xlsx），请在 Excel 中另存为 .xlsx 后重新上传。"
        ) from exc


def _header_columns(values) -> dict[str, int] | None:
    """{key: column index} if this row is the header row, else None."""
    texts = [normalize_header(value) for value in values]
    columns = {}
    for key, title in (REQUIRED_HEADERS | OPTIONAL_HEADERS).items():
        if title in texts:
            columns[key] = texts.index(title)
    if all(key in columns for key in REQUIRED_HEADERS):
        return columns
    return None


def _districts_by_name() -> dict[str, District]:
    lookup: dict[str, District] = {}
    for district in District.objects.all():
        for label in (district.name, district.short_name):
            key = _without_whitespace(label)
            if key:
                lookup.setdefault(key, district)
    return lookup


def parse_workbook(file, *, actor=None, check_existing: bool = True) -> ParseResult:
    """Read the first sheet of a 入库项目清单 workbook into rows and row errors; writes nothing.

    `actor` limits the rows to the districts the user may import into; `check_existing=False` skips the
    comparison with projects already in the database (used to show a batch after it was imported).
    """
    result = ParseResult()
    try:
        workbook = open_workbook(file)
    except WorkbookError as exc:
        result.add_error(None, str(exc))
        return result
    try:
        candidates = _read_rows(workbook, result, actor)
    finally:
        workbook.close()
    if candidates is None:
        return result
    if not result.data_row_count:
        result.add_error(None, "清单中没有项目数据。")
        return result
    _check_codes(candidates, result, check_existing)
    result.errors.sort(key=lambda error: (error.row is not None, error.row or 0))
    return result


@dataclass(frozen=True)
class _Candidate:
    """A row that has a code and a district we may check, whether or not its other cells are valid."""

    row: ImportRow
    valid: bool


def _vertical_merges(sheet) -> dict[tuple[int, int], tuple[int, int]]:
    """{(row, column): (anchor row, anchor column)} for cells below the top of a vertically merged range
    (区域 and 区域总投资 merged down their group). Read-only sheets do not parse merges, so the sheet's
    <mergeCells> is read from its XML; horizontal merges (title, section rows) are left alone."""
    from openpyxl.utils.cell import range_boundaries

    covered: dict[tuple[int, int], tuple[int, int]] = {}
    get_source = getattr(sheet, "_get_source", None)
    if get_source is None:
        ranges = [str(r) for r in sheet.merged_cells.ranges]  # a fully loaded worksheet
    else:
        ranges = []
        with get_source() as source:
            xml = source.read()
        # A sheet without merged cells (every generated list) is not parsed a second time: 0.1–0.3 s
        # of a 10,000-row parse (issue 16). Any <mergeCell>, prefixed or not, holds these bytes.
        if b"mergeCell" not in xml:
            return covered
        try:
            with io.BytesIO(xml) as source:
                for _, element in ElementTree.iterparse(source):
                    if element.tag.endswith("}mergeCell") or element.tag == "mergeCell":
                        ranges.append(element.get("ref", ""))
                    elif element.tag.endswith("}row"):
                        element.clear()
        except ElementTree.ParseError:
            return covered
    for ref in ranges:
        try:
            min_col, min_row, max_col, max_row = range_boundaries(ref)
        except (ValueError, TypeError):
            continue
        if min_col != max_col or max_row <= min_row:
            continue
        for row in range(min_row + 1, max_row + 1):
            covered[(row, min_col)] = (min_row, min_col)
    return covered


def _split_districts(text, districts: dict[str, District]) -> tuple[list[District], list[str]]:
    """ "中原区、二七区、金水区" (also one per line) → (districts found, names not registered)."""
    found: list[District] = []
    unknown: list[str] = []
    for piece in _DISTRICT_SEPARATORS.split(str(text)):
        key = _without_whitespace(piece)
        if not key:
            continue
        if key in districts:
            found.append(districts[key])
            continue
        lines = [_without_whitespace(line) for line in piece.splitlines() if _without_whitespace(line)]
        if len(lines) > 1 and all(line in districts for line in lines):
            found.extend(districts[line] for line in lines)
        else:
            unknown.append(key)
    unique: list[District] = []
    for district in found:
        if district not in unique:
            unique.append(district)
    return unique, unknown


def _amount(value, label: str) -> tuple[Decimal | None, str | None]:
    amount, message = parse_investment(value)
    return amount, (message.replace("项目总投资", label) if message else None)


def _round2(amount: Decimal) -> Decimal:
    return amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _section_row(values, columns) -> str | None:
    """A row with one text and no project cells ("市内五区（总投资 4748.34亿元）"): the section's title."""
    for key in ("code", "investment"):
        index = columns.get(key)
        if index is not None and index < len(values) and not _is_empty([values[index]]):
            return None
    # The title sits in the first cell (merged across the row); a lone name elsewhere is a broken project
    # row and is reported as one.
    texts = {_cell_text(value) for value in values if not _is_empty([value])}
    if len(texts) != 1 or not values or _is_empty([values[0]]):
        return None
    text = texts.pop()
    return None if _NUMBER.match(_without_whitespace(text)) else text


def _close_group(group: _Group | None, result: ParseResult, describe) -> None:
    """Reconcile a finished group with its stated figure; a mismatch refuses the file, naming both."""
    if group is None or group.stated is None or not group.amounts:
        return
    computed = _round2(sum(group.amounts, Decimal(0)))
    check = Reconciliation(group.label, group.stated, computed)
    result.checks.append(check)
    if not check.ok:
        result.add_error(group.row, describe(group, computed))


def _group_mismatch(group: _Group, computed: Decimal) -> str:
    return (
        f"{group.label}（第{group.row}—{group.last_row}行）所列区域总投资 {format_yi(group.stated)} 亿元，"
        f"与各项目总投资之和 {format_yi(computed)} 亿元（四舍五入保留两位小数）不符"
    )


def _section_mismatch(group: _Group, computed: Decimal) -> str:
    return (
        f"{group.label}所列总投资 {format_yi(group.stated)} 亿元，"
        f"与本部分各项目总投资之和 {format_yi(computed)} 亿元（四舍五入保留两位小数）不符"
    )


def _read_rows(workbook, result: ParseResult, actor) -> list[_Candidate] | None:
    """Rows below the header as candidates; None (with a file error) when the file cannot be used.

    Lists as published (DOMAIN.md §5, issue 10 item 1): a title row above the header; section rows
    between groups; 区域 and 区域总投资 merged down each group; several districts in one cell for a 跨区
    project; a last 合计 row. Each stated group subtotal, section total and the 合计 must equal the sum
    of their rows rounded once, half-up, to 2 decimals, or the file is refused naming the figure.
    """
    sheet = workbook.worksheets[0]
    sheet.reset_dimensions()  # some generators write a wrong <dimension>; read every row there is
    merges = _vertical_merges(sheet)
    widest: dict[int, int] = {}
    for row, column in merges:
        widest[row] = max(widest.get(row, 0), column)
    anchors: dict[tuple[int, int], object] = {}
    districts = _districts_by_name()
    allowed_district = restricted_district_id(actor)
    columns = None
    candidates: list[_Candidate] = []
    whole = _Group("合计", 0, None)
    section: _Group | None = None
    group: _Group | None = None
    group_key = None
    for row_number, raw in enumerate(sheet.iter_rows(values_only=True), start=1):
        values = list(raw)
        if merges:  # a sheet without merged cells keeps no anchors (issue 16: 50,000 for 10,000 rows)
            values += [None] * (
                widest.get(row_number, 0) - len(values)
            )  # a read-only row ends at its last written cell
            for index, value in enumerate(values):
                column = index + 1
                if (row_number, column) in merges and value is None:
                    values[index] = anchors.get(merges[(row_number, column)])
                elif value is not None:
                    anchors[(row_number, column)] = value
        if columns is None:
            columns = _header_columns(values)
            continue
        if _is_empty(values):
            continue
        kind = _label_kind(values)
        if kind is not None:
            _close_group(group, result, _group_mismatch)
            group, group_key = None, None
            if kind == "total":
                _close_group(section, result, _section_mismatch)
                section = None
                whole.row = row_number
                whole.stated = _stated_total(values, columns, row_number, result)
            continue
        title = _section_row(values, columns)
        if title is not None:
            _close_group(group, result, _group_mismatch)
            _close_group(section, result, _section_mismatch)
            group, group_key = None, None
            match = _SECTION_TOTAL.search(_without_whitespace(unicodedata.normalize("NFKC", title)))
            stated = Decimal(match.group(1).replace(",", "")) if match else None
            label = normalize_name(re.split(r"[（(]", title, maxsplit=1)[0]) or title
            section = _Group(f"“{label}”", row_number, stated)
            continue
        result.data_row_count += 1
        if result.data_row_count > MAX_DATA_ROWS:
            result.add_error(None, f"清单超过 {MAX_DATA_ROWS} 行，请拆分后分批导入。")
            return None

        def cell(key, values=values, columns=columns):
            index = columns.get(key)
            return values[index] if index is not None and index < len(values) else None

        errors_before = len(result.errors)
        code = normalize_code(cell("code"))
        if not code:
            result.add_error(row_number, "项目编号为空")
        elif len(code) > CODE_MAX_LENGTH:
            result.add_error(row_number, f"项目编号“{code}”超过 {CODE_MAX_LENGTH} 个字符")
        name = normalize_name(cell("name"))
        if not name:
            result.add_error(row_number, "项目名称为空")
        elif len(name) > NAME_MAX_LENGTH:
            result.add_error(row_number, f"项目名称超过 {NAME_MAX_LENGTH} 个字符")
        investment, message = parse_investment(cell("investment"))
        if message:
            result.add_error(row_number, message)
        district_cell = cell("district")
        district_text = _without_whitespace(district_cell)
        listed, unknown = _split_districts(district_cell, districts) if district_text else ([], [])
        district = listed[0] if listed and not unknown else None
        if not district_text:
            result.add_error(row_number, "区域为空")
        elif unknown:
            result.add_error(row_number, "区域" + "、".join(f"“{u}”" for u in unknown) + "不是已登记的行政区")
        elif allowed_district is not None and district.pk != allowed_district:
            if any(d.pk == allowed_district for d in listed):
                result.add_error(
                    row_number, f"跨区项目的牵头区为{district.name}（首个列明的区），应由{district.name}导入"
                )
            else:
                result.add_error(row_number, f"区域“{district.name}”不属于本区，不能导入")
            district = None  # say nothing about projects of a district the user may not see
        # The 区域 group this row belongs to: its (possibly merged) 区域 and 区域总投资 cells.
        stated_text = cell("district_total")
        key = (district_text, _cell_text(stated_text))
        if group is None or key != group_key:
            _close_group(group, result, _group_mismatch)
            stated = None
            if not _is_empty([stated_text]):
                stated, problem = _amount(stated_text, "区域总投资")
                if problem:
                    result.add_error(row_number, problem)
            label = (
                "区域“" + ("、".join(d.name for d in listed) if listed else district_text or "（空）") + "”"
            )
            group, group_key = _Group(label, row_number, stated), key
        group.last_row = row_number
        if investment is not None:
            group.amounts.append(investment)
            whole.amounts.append(investment)
            if section is not None:
                section.amounts.append(investment)
        if district is not None and code and len(code) <= CODE_MAX_LENGTH:
            # A row with other errors still takes part in the duplicate check, so that a later copy of
            # its code names it.
            row = ImportRow(
                row_number,
                _cell_text(cell("number")),
                code,
                name,
                investment,
                district,
                tuple(listed) if len(listed) > 1 else (),
            )
            candidates.append(_Candidate(row, valid=len(result.errors) == errors_before))
    if columns is None:
        result.add_error(
            None,
            "未找到表头行：须有“项目编号”“项目名称”“项目总投资（亿元）”“区域”四列（“序号”“区域总投资（亿元）”可选）。",
        )
        return None
    _close_group(group, result, _group_mismatch)
    _close_group(section, result, _section_mismatch)
    if whole.stated is not None and whole.amounts:
        computed = _round2(sum(whole.amounts, Decimal(0)))
        check = Reconciliation("合计", whole.stated, computed)
        result.checks.append(check)
        if not check.ok:
            result.add_error(
                whole.row,
                f"合计 {format_yi(whole.stated)} 亿元，与全部项目总投资之和 {format_yi(computed)} 亿元"
                "（四舍五入保留两位小数）不符",
            )
    return candidates


def _stated_total(values, columns, row_number, result) -> Decimal | None:
    """The 合计 row's figure: in the investment column, else the 区域总投资 column, else its only number."""
    for key in ("investment", "district_total"):
        index = columns.get(key)
        if index is not None and index < len(values) and not _is_empty([values[index]]):
            amount, problem = _amount(values[index], "合计")
            if problem:
                result.add_error(row_number, problem)
            return amount
    numbers = [v for v in values if isinstance(v, int | float | Decimal) and not isinstance(v, bool)]
    if len(numbers) == 1:
        return _amount(numbers[0], "合计")[0]
    return None


def _check_codes(candidates: list[_Candidate], result: ParseResult, check_existing: bool):
    """Duplicates within the file and codes the district already has; fills `result.rows`."""
    first_row: dict[tuple[int, str], int] = {}
    clean: list[ImportRow] = []
    for candidate in candidates:
        row = candidate.row
        key = (row.district.pk, row.code)
        if key in first_row:
            result.add_error(
                row.row, f"项目编号“{row.code}”与第{first_row[key]}行重复（{row.district.name}）"
            )
            continue
        first_row[key] = row.row
        if candidate.valid:
            clean.append(row)
    existing = _existing_codes(first_row) if check_existing else {}
    for candidate in candidates:
        row = candidate.row
        key = (row.district.pk, row.code)
        if first_row[key] == row.row and key in existing:
            result.add_error(
                row.row, f"项目编号“{row.code}”在{row.district.name}已存在（{existing[key]}），不能重复导入"
            )
    error_rows = {error.row for error in result.errors}
    # A refused file's rows are still shown in the preview, but only those without an error.
    result.rows = [row for row in clean if row.row not in error_rows]


def _existing_codes(keys) -> dict[tuple[int, str], str]:
    """{(district id, code): project name} of projects already in the database."""
    by_district: dict[int, list[str]] = {}
    for district_id, code in keys:
        by_district.setdefault(district_id, []).append(code)
    found = {}
    for district_id, codes in by_district.items():
        for start in range(0, len(codes), EXISTING_CODE_CHUNK):
            chunk = codes[start : start + EXISTING_CODE_CHUNK]
            for code, name in Project.objects.filter(district_id=district_id, code__in=chunk).values_list(
                "code", "name"
            ):
                found[(district_id, code)] = name
    return found


# --- writing -----------------------------------------------------------------------------------------


def _actor_or_none(actor):
    return actor if actor is not None and actor.is_authenticated else None


def import_rows(
    result: ParseResult,
    *,
    actor,
    library,
    source_name,
    batch=None,
    request=None,
    admitted_on=None,
    basis_number: str = "",
    legal_basis: str = ImportBasis.MIGRATION,
    progress=None,
    created: list | None = None,
):
    """Write every row of a clean parse as a library project, with its audit events; (count, total 亿元).

    `progress(percent)` is told how far the write is (0–100); `created` receives the new projects.

    Refuses the whole file (ImportRefused, a ValueError) when any row has an error: nothing is written.
    The admission date is the basis document's date (issue 10 item 3), today only when none is given.
    """
    if library not in IMPORT_LIBRARIES:
        raise ValueError(f"导入只能进入储备项目库或实施项目库，不能是“{library}”。")
    if result.errors:
        raise ImportRefused(result.errors)
    if not result.rows:
        raise ImportRefused([RowError(None, "清单中没有项目数据。")])
    actor = _actor_or_none(actor)
    stage = IMPORT_LIBRARIES[library]
    today = admitted_on or workdays.today()
    projects = _build_projects(
        result.rows,
        source=Source.IMPORT,
        library=library,
        stage=stage,
        admitted_on=today,
        implementation_on=today if library == Library.IMPLEMENTATION else None,
        admission_document=basis_number[:120],
        created_by=actor,
    )
    count, total = len(projects), result.total_yi
    report = progress or (lambda percent: None)
    with transaction.atomic():
        try:
            with transaction.atomic():
                write = _copy_projects if _use_copy() else _bulk_create_projects
                write(projects, lambda done: report(60 * done // count))
        except IntegrityError as exc:
            # Another import took one of these codes between the check and the write.
            raise ImportRefused([RowError(None, "导入时发现项目编号已被占用，请重新上传清单核对。")]) from exc
        if any(project.pk is None for project in projects):
            _load_primary_keys(projects)
        # 跨区 projects: every listed district (the lead one first) sees the project (issue 10 item 2).
        Through = Project.districts.through
        Through.objects.bulk_create(
            [
                Through(project_id=project.pk, district_id=district.pk)
                for row, project in zip(result.rows, projects, strict=True)
                for district in row.districts
            ],
            batch_size=500,
        )
        report(70)
        _write_audit_events(
            result,
            projects,
            actor=actor,
            library=library,
            source_name=source_name,
            batch=batch,
            request=request,
            basis_number=basis_number,
            admitted_on=today,
            legal_basis=legal_basis,
        )
        # bulk_create sends no post_save: cached scope answers (projects/scope_cache.py) are renewed here.
        transaction.on_commit(projects_changed)
        report(100)
    if created is not None:
        created.extend(projects)
    return count, total


def _use_copy() -> bool:
    """PostgreSQL takes the import's rows with COPY; other databases through bulk_create."""
    return connection.vendor == "postgresql"


# Project fields an import sets row by row; every other column holds the same value on all its projects.
_ROW_FIELDS = ("district", "code", "name", "total_investment")


def _build_projects(rows, **common) -> list[Project]:
    """Project(district=, code=, name=, total_investment=, **common) for each row, unsaved.

    Built positionally from one keyword-built template (issue 16): the keyword constructor resolves
    every field and its default again for each project, 0.4 s of a 10,000-row import. Related objects
    are cached on each project as the keyword constructor caches them; a field with a callable default
    gets its own value per project."""
    template = Project(**common)
    fields = Project._meta.concrete_fields
    values = [getattr(template, field.attname) for field in fields]
    position = {field.name: index for index, field in enumerate(fields)}
    fresh = [
        (position[field.name], field)
        for field in fields
        if field.has_default() and callable(field.default) and field.name not in common
    ]
    cached = dict(template._state.fields_cache)
    district, code, name, investment = (position[key] for key in _ROW_FIELDS)
    projects = []
    for row in rows:
        values[district] = row.district.pk
        values[code] = row.code
        values[name] = row.name
        values[investment] = (row.investment_yi * WAN_PER_YI).quantize(Decimal("0.01"))
        for index, default_field in fresh:
            values[index] = default_field.get_default()
        project = Project(*values)
        project._state.fields_cache = {**cached, "district": row.district}
        projects.append(project)
    return projects


def _bulk_create_projects(projects, done):
    """Any database: Django's bulk insert, a chunk per step of the progress."""
    for start in range(0, len(projects), WRITE_CHUNK):
        Project.objects.bulk_create(projects[start : start + WRITE_CHUNK], batch_size=500)
        done(min(len(projects), start + WRITE_CHUNK))


def _copy_projects(projects, done):
    """PostgreSQL: the projects' rows as bulk_create writes them, with COPY (issue 16).

    bulk_create prepared every value of every column through its field (~570,000 calls for 10,000
    projects) and psycopg then quoted them all into UNNEST arrays: most of a 3.5 s write, which with
    COPY here and for the audit events is 1.4 s. A column the import sets alike on every project is
    prepared once."""
    _copy_insert(projects, row_fields=_ROW_FIELDS, done=done)


def _copy_insert(objs, *, row_fields=None, done=None):
    """Insert unsaved instances of one model with COPY; afterwards they are saved instances with ids.

    The ids are reserved from the table's sequence in one query and written explicitly, in ascending
    order as bulk_create's RETURNING gives them, so that later rows (m2m links, audit events) can name
    them. Each value is prepared by its field as bulk_create prepares it (pre_save, get_db_prep_save);
    `row_fields` names the fields that differ between the objects, the others are prepared once from the
    first object (None: every field per object). Database errors arrive as Django's (IntegrityError)."""
    if not objs:
        return
    model = type(objs[0])
    meta = model._meta
    # The connection itself, not the django.db.connection proxy: its attribute lookups went through
    # asgiref's Local, 220,000 of them for 10,000 projects (0.9 s under the profiler).
    db = connections[router.db_for_write(model)]
    quote = db.ops.quote_name
    fields = meta.concrete_fields
    # The primary key and fields whose pre_save computes the value (auto_now, auto_now_add) are asked
    # per object, as bulk_create asks them.
    per_row = [
        field
        for field in fields
        if row_fields is None or field.primary_key or field.name in row_fields or _computed_on_save(field)
    ]
    template = {
        field.column: field.get_db_prep_save(getattr(objs[0], field.attname), db)
        for field in fields
        if field not in per_row
    }
    columns = [field.column for field in fields]
    statement = "COPY {} ({}) FROM STDIN".format(quote(meta.db_table), ", ".join(map(quote, columns)))
    with db.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [quote(meta.db_table), meta.pk.column, len(objs)],
        )
        ids = sorted(row[0] for row in cursor.fetchall())
        for start in range(0, len(objs), WRITE_CHUNK):
            chunk = objs[start : start + WRITE_CHUNK]
            with db.wrap_database_errors, cursor.copy(statement) as copy:
                for obj, pk in zip(chunk, ids[start : start + WRITE_CHUNK], strict=True):
                    obj.pk = pk
                    values = dict(template)
                    for field in per_row:
                        values[field.column] = field.get_db_prep_save(field.pre_save(obj, True), db)
                    copy.write_row([values[column] for column in columns])
            for obj in chunk:
                obj._state.adding = False
                obj._state.db = db.alias
            if done is not None:
                done(start + len(chunk))


def _computed_on_save(field) -> bool:
    """Whether the field's pre_save gives more than the attribute (a timestamp of the save)."""
    if isinstance(field, DateField | DateTimeField):
        return field.auto_now or field.auto_now_add
    return type(field).pre_save is not Field.pre_save


def _load_primary_keys(projects):
    """For databases that cannot return ids from a bulk insert: look them up by (district, code)."""
    by_key = {(project.district_id, project.code): project for project in projects}
    for district_id in {project.district_id for project in projects}:
        codes = [code for (d, code) in by_key if d == district_id]
        for start in range(0, len(codes), EXISTING_CODE_CHUNK):
            rows = Project.objects.filter(
                district_id=district_id, code__in=codes[start : start + EXISTING_CODE_CHUNK]
            )
            for pk, code in rows.values_list("pk", "code"):
                by_key[(district_id, code)].pk = pk


def _write_audit_events(
    result,
    projects,
    *,
    actor,
    library,
    source_name,
    batch,
    request,
    basis_number="",
    admitted_on=None,
    legal_basis=ImportBasis.MIGRATION,
):
    """One event for the file and one on each imported project, through the kernel's audit writer (in
    bulk: a workbook may hold thousands of rows)."""
    total_text = format_yi(result.total_yi)
    districts = {row.district.pk: row.district for row in result.rows}
    batch_district = (
        next(iter(districts.values())) if len(districts) == 1 else (actor.district if actor else None)
    )
    library_label = Library(library).label
    events = [
        {
            "actor": actor,
            "action": "ledger.import",
            "action_label": f"导入入库项目清单（{library_label}）",
            "obj": batch,
            "district": batch_district,
            "to_state": library,
            "reason": f"入库项目清单：{source_name}" + (f"（依据{basis_number}）" if basis_number else ""),
            "data": {
                "basis_number": basis_number,
                "legal_basis": legal_basis,
                "admitted_on": admitted_on.isoformat() if admitted_on else None,
                "count": len(projects),
                "total": total_text,
                "file": source_name,
                "library": library,
                "batch": batch.pk if batch is not None else None,
                "districts": sorted(district.code for district in districts.values()),
            },
            "request": request,
        }
    ]
    events += [
        {
            "actor": actor,
            "action": "project.import",
            "action_label": "信息导入入库",
            "obj": project,
            "to_state": project.stage,
            "reason": f"入库项目清单导入：{source_name}；{ImportBasis(legal_basis).label}"
            + (f"；依据{basis_number}" if basis_number else ""),
            "data": {
                "row": row.row,
                "library": library,
                "total_investment_yi": format_yi(row.investment_yi),
                "file": source_name,
                "batch": batch.pk if batch is not None else None,
            },
            "request": request,
        }
        for row, project in zip(result.rows, projects, strict=True)
    ]
    if _use_copy():
        # record_events with COPY in place of bulk_create (issue 16: bulk_create took ~1.3 s of
        # 10,000 events); the events are built by the kernel's record_event all the same.
        built = [record_event(**event, save=False) for event in events]
        _copy_insert(built)
        reactions.dispatch(built)
    else:
        record_events(events)


# --- web batches -------------------------------------------------------------------------------------


def create_batch(
    upload, *, actor, library, basis_number: str = "", basis_date=None, legal_basis=ImportBasis.MIGRATION
) -> ImportBatch:
    """Store an uploaded workbook with the outcome of its parse, for staff to preview; the basis document
    (number and date) goes with it and dates the admission (issue 10 item 3)."""
    if library not in IMPORT_LIBRARIES:
        raise ValueError(f"导入只能进入储备项目库或实施项目库，不能是“{library}”。")
    result = parse_workbook(upload, actor=actor)
    upload.seek(0)
    batch = ImportBatch(
        original_name=upload.name[:255],
        library=library,
        uploaded_by=actor,
        status=ImportStatus.FAILED if result.errors else ImportStatus.PREVIEW,
        row_count=result.data_row_count,
        total_investment_yi=result.total_yi.quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP),
        errors=[error.as_dict() for error in result.errors],
        basis_number=basis_number.strip()[:120],
        basis_date=basis_date,
        legal_basis=legal_basis,
    )
    batch.file.save(upload.name, upload, save=False)
    batch.save()
    return batch


def parse_batch(batch: ImportBatch, *, actor, check_existing: bool | None = None) -> ParseResult:
    """Parse a stored batch again, as `actor` sees it now (projects may have arrived since the upload).

    After a batch was imported its own projects exist, so the comparison with the database is skipped.
    """
    if check_existing is None:
        check_existing = batch.status != ImportStatus.COMMITTED
    try:
        stored = batch.file.open("rb")
    except (OSError, ValueError):
        result = ParseResult()
        result.add_error(None, "已上传的文件不存在，请重新上传。")
        return result
    with stored:
        return parse_workbook(stored, actor=actor, check_existing=check_existing)


def commit_batch(
    batch: ImportBatch, *, actor, request=None, progress=None, created: list | None = None
) -> tuple[int, Decimal]:
    """Import a previewed batch once; re-parses the stored file so the rows are checked again now.

    One transaction: a failure at any row leaves nothing written. `progress(percent)` hears 0–100
    (the parse is the first fifth); `created` receives the new projects (the import job lists them)."""
    report = progress or (lambda percent: None)
    refusal = None
    with transaction.atomic():
        locked = ImportBatch.objects.select_for_update().get(pk=batch.pk)
        if locked.status == ImportStatus.COMMITTED:
            when = timezone.localtime(locked.committed_at)
            raise BatchAlreadyCommitted(f"该清单已于 {when:%Y-%m-%d %H:%M} 导入，不能重复导入。")
        report(5)
        result = parse_batch(locked, actor=actor, check_existing=True)
        report(20)
        if result.errors:
            locked.status = ImportStatus.FAILED
            locked.errors = [error.as_dict() for error in result.errors]
            locked.save(update_fields=["status", "errors"])
            refusal = ImportRefused(result.errors)
        else:
            count, total = import_rows(
                result,
                actor=actor,
                library=locked.library,
                source_name=locked.original_name,
                batch=locked,
                request=request,
                admitted_on=locked.basis_date,
                basis_number=locked.basis_number,
                legal_basis=locked.legal_basis,
                progress=lambda percent: report(20 + percent * 75 // 100),
                created=created,
            )
            locked.status = ImportStatus.COMMITTED
            locked.committed_at = timezone.now()
            locked.row_count = count
            locked.total_investment_yi = total.quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)
            locked.errors = []
            locked.save(
                update_fields=["status", "committed_at", "row_count", "total_investment_yi", "errors"]
            )
    if refusal is not None:
        raise refusal
    batch.refresh_from_db()
    report(100)
    return count, total


# --- the import as a background job (issue 13 "How it runs") -----------------------------------------


class ImportAlreadyRunning(Exception):
    """A batch's import job is queued or running; the message names it (Chinese)."""

    def __init__(self, job):
        self.job = job
        super().__init__(f"该清单的导入任务（#{job.pk}）已在进行中，请在任务页面查看进度。")


def pending_import_job(batch: ImportBatch):
    """The queued or running import job of this batch, if any."""
    from renewal.choices import JobStatus
    from renewal.models import Job

    return (
        Job.objects.filter(kind=IMPORT_JOB, params__batch=batch.pk)
        .filter(status__in=[JobStatus.QUEUED, JobStatus.RUNNING])
        .order_by("-pk")
        .first()
    )


def start_commit_job(batch: ImportBatch, *, actor):
    """Staff's "确认导入": a job commits the previewed batch in the background (the request only queues it).

    Refuses a batch already imported or one whose import job is still pending; the job parses the file
    again and refuses it whole if a row has an error now."""
    from renewal.jobs import start_job

    if batch.status == ImportStatus.COMMITTED:
        when = timezone.localtime(batch.committed_at)
        raise BatchAlreadyCommitted(f"该清单已于 {when:%Y-%m-%d %H:%M} 导入，不能重复导入。")
    pending = pending_import_job(batch)
    if pending is not None:
        raise ImportAlreadyRunning(pending)
    return start_job(IMPORT_JOB, user=actor, params={"batch": batch.pk, "file": batch.original_name})


def run_import_job(job, progress):
    """Runner of IMPORT_JOB: commit the batch as its creator; the result lists the projects created."""
    from renewal.jobs import JobError, JobResult

    batch = ImportBatch.objects.filter(pk=(job.params or {}).get("batch")).first()
    if batch is None:
        raise JobError("要导入的清单已不存在，请重新上传。")
    created: list[Project] = []
    try:
        count, total = commit_batch(batch, actor=job.created_by, progress=progress, created=created)
    except BatchAlreadyCommitted as exc:
        raise JobError(str(exc)) from exc
    except ImportRefused as refusal:
        raise JobError(
            f"清单有 {len(refusal.errors)} 处错误，未导入任何项目：{refusal.errors[0]}"
            + ("等" if len(refusal.errors) > 1 else "")
            + "。请在预览页查看后修改重新上传。"
        ) from refusal
    return JobResult(
        filename=f"导入结果_{batch.original_name.rsplit('.', 1)[0][:80]}_{count}个项目.xlsx",
        content=_result_workbook(created, batch, count, total),
        rows=count,
        summary={
            "projects": count,
            "total_yi": format_yi(total),
            "batch": batch.pk,
            "message": f"已导入 {count} 个项目，总投资 {format_yi(total)} 亿元",
        },
    )


def _result_workbook(projects, batch: ImportBatch, count: int, total: Decimal) -> bytes:
    """The projects the import created, in the list's order, with a 合计 row tying to the list."""
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet("导入结果")
    sheet.append([f"入库项目清单导入结果：{batch.original_name}（共{count}个项目）"])
    sheet.append(["序号", "项目编号", "项目名称", "项目总投资（亿元）", "区域"])
    names = dict(District.objects.values_list("pk", "name"))
    for number, project in enumerate(projects, start=1):
        sheet.append(
            [
                number,
                project.code,
                project.name,
                project.total_investment / WAN_PER_YI,
                names.get(project.district_id),
            ]
        )
    sheet.append(["合计", None, None, total, None])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def register_job():
    """Called from ProjectsConfig.ready(): the import commit as a job kind (staff and administrators)."""
    from renewal.choices import Role
    from renewal.jobs import JobKind, register_job_kind

    register_job_kind(
        JobKind(
            IMPORT_JOB,
            "入库项目清单导入",
            run_import_job,
            (Role.STAFF, Role.ADMINISTRATOR),
            describe=describe_job,
        )
    )


def describe_job(job) -> list[tuple[str, str]]:
    """The job page's 参数: the list's file and its import batch."""
    return [("清单文件", job.params.get("file") or "—"), ("导入批次", f"第{job.params.get('batch')}号")]

"""The district's progress table (DOMAIN.md §5, issue 15): read an uploaded .xlsx into rows with errors by
row, import it (re-import updates by list and 序号), and write lists back in the same layout.

Layout: a title row merged across the columns, the header 序号 | 任务来源 | 任务内容/督查事项 | 主责单位 |
完成时限 | 进展情况, then one row per task. 主责单位 holds one unit per line, each but the last ending in "、"
(sometimes "，", ",", or nothing at all, with stray spaces).
"""

from __future__ import annotations

import calendar
import datetime
import io
import re
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Q
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter

from renewal import calendar as workdays
from renewal.choices import OrganizationKind
from renewal.models import Organization
from renewal.services import record_event
from supervision import services
from supervision.choices import TaskState
from supervision.models import ProgressEntry, SupervisionList

HEADERS = ["序号", "任务来源", "任务内容/督查事项", "主责单位", "完成时限", "进展情况"]
INTERNAL_HEADERS = ["状态", "最近更新", "信号灯"]
KEYS = ["number", "source", "content", "units", "due", "progress"]
DATE_FORMAT = "yyyy-mm-dd"


def normalize(name: str) -> str:
    """A unit's name without any whitespace (full-width spaces and line breaks included)."""
    return re.sub(r"\s+", "", (name or "").replace("\u3000", " "))


_SEPARATORS = re.compile(r"[、，,；;\n\r]+")


def split_units(text: str) -> list[str]:
    """The names in a 主责单位 cell, in order: split on "、", "，", ",", line breaks; spaces dropped."""
    return [part for part in (normalize(p) for p in _SEPARATORS.split(text or "")) if part]


def _header_key(text: str) -> str | None:
    text = normalize(str(text or ""))
    if text == "序号":
        return "number"
    for words, key in ((("来源",), "source"), (("内容", "督查事项"), "content"), (("单位",), "units")):
        if any(w in text for w in words):
            return key
    if "时限" in text or "时间" in text:
        return "due"
    if "进展" in text:
        return "progress"
    return None


_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_MONTH_END = re.compile(r"^(\d{4})年(\d{1,2})月底$")
_YEAR_END = re.compile(r"^(\d{4})年底$")
_OPEN_ENDED = ("长期", "持续", "常态")


def parse_due(value) -> tuple[datetime.date | None, str, str]:
    """(date, text as written or "" for a date cell, error). "2025-12-31", "2025年12月31日", a date cell;
    also "2025年12月底" / "2025年底" (the last day); "长期推进" has no date and is not an error."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None, "", ""
    if isinstance(value, datetime.datetime):
        return value.date(), "", ""
    if isinstance(value, datetime.date):
        return value, "", ""
    text = str(value).strip()
    compact = normalize(text)
    try:
        if match := _DATE.match(compact):
            return datetime.date(*map(int, match.groups())), text, ""
        if match := _MONTH_END.match(compact):
            year, month = map(int, match.groups())
            return datetime.date(year, month, calendar.monthrange(year, month)[1]), text, ""
        if match := _YEAR_END.match(compact):
            return datetime.date(int(match.group(1)), 12, 31), text, ""
    except ValueError:
        return None, text, f"完成时限“{text}”不是有效日期"
    if any(word in compact for word in _OPEN_ENDED):
        return None, text, ""
    return None, text, f"完成时限“{text}”无法识别（请写作2025-12-31或2025年12月31日）"


def _number(value) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip() if value is not None else ""


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value)


@dataclass
class Row:
    line: int
    number: str
    source: str
    content: str
    units_text: str
    unit_names: list[str]
    due_date: datetime.date | None
    due_text: str
    progress: str
    errors: list[str] = field(default_factory=list)
    units: list = field(default_factory=list)  # resolved organisations
    unknown: list[str] = field(default_factory=list)
    existing: bool = False  # a task of that 序号 is already in the list


@dataclass
class Table:
    title: str
    headers: list[str]
    rows: list[Row]
    errors: list[str] = field(default_factory=list)  # errors of the file as a whole

    @property
    def unknown_units(self) -> list[str]:
        return list(dict.fromkeys(name for row in self.rows for name in row.unknown))

    def blocking(self, create_units: bool) -> bool:
        return bool(self.errors) or any(row.errors or (row.unknown and not create_units) for row in self.rows)


def read_table(fileobj) -> Table:
    """Rows of the first sheet; errors are collected, never raised."""
    try:
        workbook = load_workbook(fileobj, data_only=True)
    except Exception:
        return Table("", [], [], ["无法读取该文件，请上传Excel（.xlsx）格式的督查表。"])
    sheet = workbook.worksheets[0]
    values = list(sheet.iter_rows(values_only=True))
    header_at, columns = None, {}
    for index, row in enumerate(values[:20]):
        keys = {i: _header_key(cell) for i, cell in enumerate(row) if cell is not None}
        if "number" in keys.values() and "units" in keys.values():
            header_at = index
            columns = {key: i for i, key in keys.items() if key}
            break
    if header_at is None:
        return Table("", [], [], ["未找到表头（应有“序号”“主责单位”等列）。"])
    missing = [HEADERS[KEYS.index(k)] for k in ("number", "content", "units") if k not in columns]
    title = next((_text(c).strip() for r in values[:header_at] for c in r if c not in (None, "")), "")
    headers = [_text(c) for c in values[header_at]]
    while headers and not headers[-1]:
        headers.pop()
    table = Table(title, headers, [], [f"缺少“{name}”列。" for name in missing])
    if not title:
        table.errors.append("缺少标题行（如“区政府承办2025年市政府工作报告重点任务进展情况”）。")
    if table.errors:
        return table
    seen = {}
    for offset, row in enumerate(values[header_at + 1 :], start=header_at + 2):

        def cell(key, row=row):
            i = columns.get(key)
            return row[i] if i is not None and i < len(row) else None

        if all(v is None or (isinstance(v, str) and not v.strip()) for v in row):
            continue
        due_date, due_text, due_error = parse_due(cell("due"))
        units_text = _text(cell("units"))
        item = Row(
            line=offset,
            number=_number(cell("number")),
            source=_text(cell("source")),
            content=_text(cell("content")),
            units_text=units_text,
            unit_names=split_units(units_text),
            due_date=due_date,
            due_text=due_text,
            progress=services.clean_progress(_text(cell("progress"))),
        )
        if not item.number:
            item.errors.append("缺少序号")
        elif item.number in seen:
            item.errors.append(f"序号{item.number}与第{seen[item.number]}行重复")
        else:
            seen[item.number] = offset
        if not item.content.strip():
            item.errors.append("缺少任务内容")
        if not item.unit_names:
            item.errors.append("缺少主责单位")
        if due_error:
            item.errors.append(due_error)
        table.rows.append(item)
    if not table.rows:
        table.errors.append("表中没有督查事项。")
    return table


def district_units(district) -> dict[str, Organization]:
    """Organisations a table may name: the district's own and city-level ones, by name without spaces."""
    rows = Organization.objects.filter(Q(district=district) | Q(district__isnull=True)).order_by("pk")
    return {normalize(org.name): org for org in rows}


def _decompose(name: str, known: dict) -> list | None:
    """A cell piece that is several names run together (a missing "、" and no line break)."""
    best: dict[int, list] = {0: []}
    for start in range(len(name)):
        if start not in best:
            continue
        for end in range(len(name), start, -1):
            org = known.get(name[start:end])
            if org is not None and end not in best:
                best[end] = best[start] + [org]
    return best.get(len(name))


def resolve(table: Table, district) -> Table:
    """Match every unit by its full name; the unknown ones are listed on their row."""
    known = district_units(district)
    for row in table.rows:
        row.units, row.unknown = [], []
        for name in row.unit_names:
            org = known.get(name)
            parts = [org] if org is not None else _decompose(name, known)
            if parts:
                row.units.extend(parts)
            else:
                row.unknown.append(name)
        row.units = list(dict.fromkeys(row.units))
    if table.title:
        existing = SupervisionList.objects.filter(district=district, title=table.title.strip()).first()
        numbers = set(existing.tasks.values_list("number", flat=True)) if existing else set()
        for row in table.rows:
            row.existing = row.number in numbers
    return table


def guess_kind(name: str) -> str:
    """A first guess for a unit created by the import; staff correct it in the admin."""
    if name.endswith(("街道办事处", "街道", "镇政府", "镇人民政府", "镇", "乡", "地区办事处")):
        return OrganizationKind.TOWN
    if "管委会" in name or "管理委员会" in name:
        return OrganizationKind.PARK_COMMITTEE
    if name.startswith(("市", "北京市")) and name.endswith("分局"):
        return OrganizationKind.CITY_BRANCH
    if name.endswith(("公司", "集团")):
        return OrganizationKind.ENTITY
    if name.endswith(("中心", "院", "所", "学校", "站", "馆", "队")) and not name.endswith("支队"):
        return OrganizationKind.PUBLIC_INSTITUTION
    return OrganizationKind.DEPARTMENT


def _year_of(title: str) -> int:
    match = re.search(r"(20\d{2})年", title or "")
    return int(match.group(1)) if match else workdays.today().year


class ImportRefused(Exception):
    def __init__(self, table: Table):
        self.table = table
        lines = list(table.errors)
        lines += [f"第{row.line}行：" + "；".join(row.errors) for row in table.rows if row.errors]
        if table.unknown_units:
            lines.append("以下主责单位在本区没有登记：" + "、".join(table.unknown_units))
        super().__init__("\n".join(lines))


@dataclass
class ImportResult:
    supervision_list: SupervisionList
    created: int
    updated: int
    units_created: list[str]


def import_table(table: Table, *, district, actor, create_units: bool = False, source_document: str = ""):
    """Create or update the list and its tasks (matched by list and 序号); the 进展情况 cell becomes a
    progress entry when it differs from the task's latest one. Refuses the whole table on any error."""
    resolve(table, district)
    if table.blocking(create_units):
        raise ImportRefused(table)
    created_units = []
    with transaction.atomic():
        if create_units and table.unknown_units:
            for name in table.unknown_units:
                org = Organization.objects.create(name=name, kind=guess_kind(name), district=district)
                record_event(actor=actor, action="supervision_unit.create", obj=org, district=district)
                created_units.append(name)
            resolve(table, district)
        supervision_list = services.create_list(
            actor=actor,
            district=district,
            title=table.title,
            year=_year_of(table.title),
            source_document=source_document,
            headers=table.headers,
        )
        if supervision_list.headers != table.headers:
            SupervisionList.objects.filter(pk=supervision_list.pk).update(headers=table.headers)
        existing = {t.number: t for t in supervision_list.tasks.all()}
        created = updated = 0
        for position, row in enumerate(table.rows):
            data = services.TaskData(
                number=row.number,
                content=row.content,
                source=row.source,
                units=tuple(row.units),
                units_text=row.units_text,
                due_date=row.due_date,
                due_text=row.due_text,
                position=position,
            )
            task = existing.get(row.number)
            if task is None:
                task = services.create_task(supervision_list, data, actor=actor)
                created += 1
            else:
                task = services.update_task(task, data, actor=actor)
                updated += 1
            latest = task.entries.first()
            if row.progress and (latest is None or latest.text != row.progress):
                ProgressEntry.objects.create(
                    task=task,
                    date=workdays.today(),
                    text=row.progress,
                    author=actor if actor is not None and actor.is_authenticated else None,
                    organization=task.lead_unit,
                    imported=True,
                )
        record_event(
            actor=actor,
            action="supervision_list.import",
            obj=supervision_list,
            district=district,
            data={"created": created, "updated": updated, "units_created": created_units},
        )
    return ImportResult(supervision_list, created, updated, created_units)


# --- export -------------------------------------------------------------------------------------------


def units_cell(task) -> str:
    """The cell as imported while it names the same units; else one unit per line joined by "、"."""
    if task.units_text:
        return task.units_text
    return "、\n".join(org.name for org in task.ordered_units())


def _sheet_title(title: str, used: set) -> str:
    base = re.sub(r"[\\/*?:\[\]]", "", title)[:28] or "督查表"
    name, n = base, 2
    while name in used:
        name, n = f"{base[:26]}{n}", n + 1
    used.add(name)
    return name


def write_workbook(lists, *, internal: bool = False, viewer=None) -> Workbook:
    """One sheet per list in the district's layout; `internal` adds status, last update and light."""
    from renewal.models import Deadline
    from renewal.selectors import deadlines_with_lights
    from supervision.choices import DEADLINE_TASK_DUE

    workbook = Workbook()
    workbook.remove(workbook.active)
    thin = Side(style="thin")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    used: set = set()
    for supervision_list in lists:
        sheet = workbook.create_sheet(_sheet_title(supervision_list.title, used))
        headers = list(supervision_list.headers or HEADERS)
        if internal:
            headers += INTERNAL_HEADERS
        width = len(headers)
        sheet.cell(row=1, column=1, value=supervision_list.title).font = Font(bold=True, size=14)
        sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
        sheet.cell(row=1, column=1).alignment = Alignment(horizontal="center", vertical="center")
        for column, header in enumerate(headers, start=1):
            c = sheet.cell(row=2, column=column, value=header)
            c.font, c.border = Font(bold=True), border
            c.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        tasks = list(
            supervision_list.tasks.prefetch_related("unit_links__organization").order_by("position", "pk")
        )
        latest = services.latest_entries(tasks)
        lights = {}
        if internal:
            open_rows = Deadline.objects.open().filter(
                kind=DEADLINE_TASK_DUE, object_id__in=[str(t.pk) for t in tasks]
            )
            for row in deadlines_with_lights(open_rows.filter(content_type__model="supervisiontask")):
                lights[int(row.deadline.object_id)] = row.light
        for offset, task in enumerate(tasks, start=3):
            number = int(task.number) if task.number.isdigit() else task.number
            due = task.due_text or task.due_date
            entry = latest.get(task.pk)
            values = [number, task.source, task.content, units_cell(task), due, entry.text if entry else ""]
            if internal:
                light = lights.get(task.pk)
                light_text = ""
                if light is not None:
                    light_text = light.light.label + (
                        f"（逾期{light.working_days_overdue}个工作日）" if light.working_days_overdue else ""
                    )
                values += [
                    TaskState(task.state).label,
                    entry.date if entry else None,
                    light_text,
                ]
            for column, value in enumerate(values, start=1):
                c = sheet.cell(row=offset, column=column, value=value)
                c.border = border
                c.alignment = Alignment(vertical="center", wrap_text=True)
                if isinstance(value, datetime.date):
                    c.number_format = DATE_FORMAT
        for column, width_chars in enumerate([6, 16, 40, 22, 14, 60, 10, 14, 16][:width], start=1):
            sheet.column_dimensions[get_column_letter(column)].width = width_chars
    if not workbook.worksheets:
        workbook.create_sheet("督查表")
    return workbook


def workbook_bytes(lists, *, internal: bool = False) -> bytes:
    buffer = io.BytesIO()
    write_workbook(lists, internal=internal).save(buffer)
    return buffer.getvalue()

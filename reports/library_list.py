"""The 入库项目清单 layout (DOMAIN.md §5), so a district can publish its list and the import reads it back.

序号 | 项目编号 | 项目名称 | 项目总投资（亿元） | 区域, a title row, one section row per category
("居住类（总投资 12.35亿元）") before its projects, and a last row "合计 （亿元）". Amounts are 亿元 at full
precision (stored 万元 / 10000, up to six decimals); section subtotals and the total are summed from the
unrounded rows and rounded once to 2 decimals, as published lists state them.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from django.db.models import F

from projects.choices import Library
from renewal import calendar as workdays
from renewal.dates import chinese_date
from reports import sources
from reports.progress import CHUNK, UNCATEGORISED, _yi
from reports.workbook import Column, StreamingSheet, discard, generation_stamp, new_workbook, round_money

LIST_LIBRARIES = (Library.RESERVE, Library.IMPLEMENTATION)

LIST_COLUMNS = [
    Column("序号", 6, "int"),
    Column("项目编号", 20),
    Column("项目名称", 48, wrap=True),
    Column("项目总投资（亿元）", 18, "yi"),
    Column("区域", 16),
]


def _value_chunks(projects):
    """The list's cells as tuples, a chunk at a time (no model instances: this is the hot loop)."""
    chunk = []
    rows = projects.values_list("pk", "code", "name", "total_investment", "category__name", "district__name")
    for row in rows.iterator(chunk_size=CHUNK * 2):
        chunk.append(row)
        if len(chunk) >= CHUNK * 2:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


class LibraryList:
    """Writes the list for a scoped, filtered project queryset (projects in the reserve or
    implementation library only: an exited or rejected project is not on a published list)."""

    def __init__(self, projects, *, scope_name: str, described: dict, as_of=None):
        self.projects = projects.filter(library__in=LIST_LIBRARIES).order_by(
            F("category__order").asc(nulls_last=True), F("category_id").asc(nulls_last=True), "code", "pk"
        )
        self.scope_name = scope_name
        self.described = described
        self.as_of = as_of or workdays.today()
        self.generated, self.stamp = generation_stamp()
        self.title = f"{scope_name}城市更新入库项目清单（截至{chinese_date(self.as_of)}）"

    @property
    def filename(self) -> str:
        return f"{self.scope_name}城市更新入库项目清单_{self.stamp}.xlsx"

    def write(self, out, progress=None):
        workbook = new_workbook()
        try:
            return self._write(workbook, out, progress or (lambda percent: None))
        except BaseException:
            discard(workbook)
            raise

    def _write(self, workbook, out, progress):
        from reports.progress import ReportResult

        conditions = "；".join(f"{key}：{value}" for key, value in self.described.items()) or "全部"
        sheet = StreamingSheet(
            workbook,
            "入库项目清单",
            LIST_COLUMNS,
            [self.title, f"筛选条件：{conditions}；生成时间：{self.generated}"],
        )
        # A section row states its group's subtotal before the group's rows: one aggregate pass first
        # (sums of the exact stored 万元), then the rows stream.
        subtotals: dict[str, list] = defaultdict(lambda: [0, Decimal(0)])
        for category, amount in self.projects.values_list("category__name", "total_investment").iterator(
            chunk_size=CHUNK * 5
        ):
            entry = subtotals[category or UNCATEGORISED]
            entry[0] += 1
            entry[1] += _yi(amount) or Decimal(0)
        total_count = sum(entry[0] for entry in subtotals.values())
        grand = Decimal(0)
        group = None
        number = 0
        for chunk in _value_chunks(self.projects):
            names = sources.district_names_of([row[0] for row in chunk])
            for pk, code, name, investment, category, district in chunk:
                category = category or UNCATEGORISED
                if category != group:
                    group = category
                    self._section(sheet, f"{category}（总投资 {round_money(subtotals[category][1]):f}亿元）")
                number += 1
                amount = _yi(investment)
                grand += amount or Decimal(0)
                sheet.append([number, code or None, name, amount, names.get(pk, district)])
            progress(min(95, int(95 * number / max(total_count, 1))))
        sheet.append(["合计 （亿元）", None, None, round_money(grand), None], bold=True, kinds={3: "money2"})
        sheet.finish()
        workbook.save(out)
        progress(100)
        summary = {"projects": number, "total_yi": str(round_money(grand))}
        return ReportResult(rows=number, total_yi=round_money(grand), summary=summary, title=self.title)

    def _section(self, sheet, text: str):
        row = sheet.header_row + sheet.rows_written + 1
        sheet.sheet.merged_cells.add(f"A{row}:E{row}")
        sheet.append([text, None, None, None, None], bold=True)

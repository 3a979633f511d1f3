"""Building a report: the layout, the projects it covers and who reads it, for a job or a scheduled run."""

from __future__ import annotations

import datetime

from renewal.inputs import DATE_RANGE_MESSAGE, EARLIEST_DATE, LATEST_DATE
from renewal.models import Deadline
from reports import selection
from reports.library_list import LibraryList
from reports.progress import ProgressReport

PROGRESS = "progress"
LIBRARY_LIST = "library-list"
LEDGER = "ledger"
LAYOUTS = {PROGRESS: "区城市更新项目进展情况表", LIBRARY_LIST: "入库项目清单"}


class ReportRefused(ValueError):
    """The report cannot be built as asked; the message says why, in Chinese."""


def parse_as_of(value) -> datetime.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime.date):
        value = value.isoformat()
    try:
        day = datetime.date.fromisoformat(str(value))
    except ValueError as exc:
        raise ReportRefused(f"截至日期“{value}”不是有效日期（格式：2025-10-23）。") from exc
    if not EARLIEST_DATE <= day <= LATEST_DATE:
        raise ReportRefused(f"截至日期：{DATE_RANGE_MESSAGE}")
    return day


def report_for(user, params: dict, *, layout: str = PROGRESS):
    """The report of what `user` sees in the ledger with `params` (the ledger's filters, `as_of`)."""
    if layout not in LAYOUTS:
        raise ReportRefused(f"未知的报表格式“{layout}”。")
    as_of = parse_as_of((params or {}).get("as_of"))
    try:
        projects, filterset = selection.filtered(user, params, with_deadlines=layout == PROGRESS)
    except selection.InvalidFilters as exc:
        raise ReportRefused(str(exc)) from exc
    described = selection.describe_filters(filterset)
    scope = selection.scope_name(user, filterset)
    if layout == LIBRARY_LIST:
        return LibraryList(projects, scope_name=scope, described=described, as_of=as_of)
    return ProgressReport(
        projects,
        deadlines=selection.visible_deadlines(user),
        scope_name=scope,
        described=described,
        as_of=as_of,
    )


def district_report(district, *, layout: str = PROGRESS, as_of=None):
    """A whole district's report for a scheduled run (no reader: the district's full library)."""
    if layout not in LAYOUTS:
        raise ReportRefused(f"未知的报表格式“{layout}”。")
    as_of = parse_as_of(as_of)
    described = {"区": district.name}
    if layout == LIBRARY_LIST:
        projects = selection.district_projects(district, with_deadlines=False)
        return LibraryList(projects, scope_name=district.name, described=described, as_of=as_of)
    projects = selection.district_projects(district)
    return ProgressReport(
        projects, deadlines=Deadline.objects.all(), scope_name=district.name, described=described, as_of=as_of
    )


def check_request(user, params: dict, *, layout: str) -> None:
    """Refuse a report request before a job is queued: an unknown layout, bad filters or date."""
    if layout == LEDGER:
        parse_as_of(params.get("as_of"))
        try:
            selection.filtered(user, params)
        except selection.InvalidFilters as exc:
            raise ReportRefused(str(exc)) from exc
        return
    if layout not in LAYOUTS:
        raise ReportRefused("请选择要生成的报表。")
    report_for(user, params, layout=layout)

"""The spreadsheets as background jobs (issue 13): the progress report, the 入库项目清单 and the ledger.

Each runner rebuilds the selection from the job's stored parameters as the job's creator sees it now,
writes the workbook to a temporary file row by row (write-only) and hands the path to the job kernel,
which moves it into place only when the job is done: a job killed mid-way never serves a file.
"""

from __future__ import annotations

import datetime
import tempfile
from pathlib import Path

from django.utils import timezone

from projects.selectors import LEDGER_ROLES
from renewal.dates import chinese_date
from reports import selection, services

PROGRESS_JOB = "report.progress"
LIBRARY_LIST_JOB = "report.library_list"
LEDGER_JOB = "report.ledger"
REPORT_ROLES = LEDGER_ROLES

# Job kind → (layout of services, label).
JOB_LAYOUTS = {
    PROGRESS_JOB: services.PROGRESS,
    LIBRARY_LIST_JOB: services.LIBRARY_LIST,
    LEDGER_JOB: services.LEDGER,
}
JOB_LABELS = {
    PROGRESS_JOB: "区城市更新项目进展情况表",
    LIBRARY_LIST_JOB: "入库项目清单",
    LEDGER_JOB: "项目库台账",
}
JOB_BY_LAYOUT = {layout: code for code, layout in JOB_LAYOUTS.items()}


def _temporary_path() -> Path:
    handle = tempfile.NamedTemporaryFile(prefix="report-", suffix=".xlsx", delete=False)
    handle.close()
    return Path(handle.name)


def _write(writer, progress) -> tuple[Path, object]:
    path = _temporary_path()
    try:
        with path.open("wb") as out:
            result = writer(out, progress)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return path, result


def _described(filters: dict) -> str:
    """The filters as the sheet's heading says them (shown on the job page and in the download log)."""
    return "；".join(f"{key}：{value}" for key, value in filters.items()) or "全部"


def _job_result(**kwargs):
    from renewal.jobs import JobResult

    return JobResult(**kwargs)


def run_report(job, progress):
    """A progress report or a library list of what the job's creator sees with the stored filters."""
    report = services.report_for(job.created_by, job.params or {}, layout=JOB_LAYOUTS[job.kind])
    path, result = _write(report.write, progress)
    return _job_result(
        filename=report.filename,
        path=path,
        rows=result.rows,
        summary={**result.summary, "title": report.title, "filters": _described(report.described)},
    )


def run_ledger(job, progress):
    """The ledger export (项目库台账) of the stored filters, streamed chunk by chunk."""
    from projects.views.ledger import ledger_workbook, streamed_ledger_rows

    user = job.created_by
    try:
        projects, filterset = selection.filtered(user, job.params or {})
    except selection.InvalidFilters as exc:
        raise services.ReportRefused(str(exc)) from exc
    total = projects.count()
    now = timezone.localtime()
    scope = selection.scope_name(user, filterset)
    title = f"{scope}城市更新项目库台账（导出时间：{now:%Y-%m-%d %H:%M}，共{total}个项目）"
    done = 0

    def rows():
        nonlocal done
        for row in streamed_ledger_rows(projects):
            done += 1
            if done % 500 == 0:
                progress(min(95, int(95 * done / max(total, 1))))
            yield row

    def write(out, progress):
        workbook = ledger_workbook(rows(), title)
        workbook.save(out)
        progress(100)
        return done

    path, count = _write(write, progress)
    return _job_result(
        filename=f"项目库台账_{now:%Y%m%d_%H%M}.xlsx",
        path=path,
        rows=count,
        summary={
            "projects": count,
            "title": title,
            "filters": _described(selection.describe_filters(filterset)),
        },
    )


def describe(job) -> list[tuple[str, str]]:
    """The job page's 参数: the stored filters as the sheet's heading says them, and the 统计截至 date."""
    if job.created_by is None:  # a scheduled run covers a whole district
        return [("范围", job.district.name if job.district else "全市")]
    try:
        _, filterset = selection.filtered(job.created_by, job.params or {}, with_deadlines=False)
        filters = _described(selection.describe_filters(filterset))
    except selection.InvalidFilters as exc:
        filters = str(exc)
    rows = [("筛选条件", filters)]
    as_of = (job.params or {}).get("as_of")
    if as_of:
        try:
            rows.append(("统计截至", chinese_date(datetime.date.fromisoformat(as_of))))
        except ValueError:
            rows.append(("统计截至", as_of))
    return rows


def register():
    """Called from ReportsConfig.ready()."""
    from renewal.jobs import JobKind, register_job_kind

    for code, label in JOB_LABELS.items():
        runner = run_ledger if code == LEDGER_JOB else run_report
        register_job_kind(JobKind(code, label, runner, REPORT_ROLES, describe=describe))

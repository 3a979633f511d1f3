"""The background recompute of open deadlines after a large calendar change (issue 16).

The administrator's change (one day, or a year's confirmation) is written and audited in the request;
when more than CALENDAR_RECOMPUTE_INLINE_LIMIT open deadlines may move, `renewal.services` starts a
`calendar_recompute` job instead of recomputing them there. Its runner reads the candidates' ids once, then
recomputes them in batches of BATCH_SIZE, each batch in its own short transaction through the kernel's
set-based `recompute_open_deadlines` (rows locked per batch, in id order, so two recomputes of overlapping
ranges, or the daily sweep, wait for each other's batch and then find nothing left to move). Each moved due
date is audited as `deadline.recompute` with the administrator who started the job as its actor; the result
is a CSV of the moved deadlines.
"""

from __future__ import annotations

import csv
import datetime
import tempfile
from pathlib import Path

from django.db import transaction

from renewal import services
from renewal.choices import Role
from renewal.dates import chinese_date

BATCH_SIZE = 1000  # deadlines per transaction (also recompute_open_deadlines' bulk_update batch)
LABEL = "工作日历重算期限"
HEADER = ["项目", "对象", "期限", "原到期日", "新到期日", "暂定"]


def _row(deadline, old_due) -> list:
    return [
        deadline.project_label,
        deadline.subject_repr,
        deadline.title,
        old_due.isoformat(),
        deadline.due_date.isoformat(),
        "是" if deadline.provisional else "否",
    ]


def run_calendar_recompute(job, progress):
    """runner(job, progress): recompute the open deadlines of [first, last] in batches, with progress."""
    from renewal.jobs import JobResult

    first = datetime.date.fromisoformat(job.params["first"])
    last = datetime.date.fromisoformat(job.params["last"])
    reason = job.params.get("reason", "")
    actor = job.created_by
    pks = list(services.recompute_candidates(first, last).order_by("pk").values_list("pk", flat=True))
    total, moved = len(pks), 0
    handle = tempfile.NamedTemporaryFile(prefix="calendar-", suffix=".csv", delete=False)
    handle.close()
    path = Path(handle.name)
    try:
        with path.open("w", encoding="utf-8-sig", newline="") as out:
            writer = csv.writer(out)
            writer.writerow(HEADER)
            for start in range(0, total, BATCH_SIZE):
                batch = pks[start : start + BATCH_SIZE]
                with transaction.atomic():
                    changed = services.recompute_open_deadlines(
                        first=first, last=last, actor=actor, reason=reason, pks=batch
                    )
                writer.writerows(_row(deadline, old_due) for deadline, old_due in changed)
                moved += len(changed)
                progress((start + len(batch)) * 100 // total)
        progress(100)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    span = chinese_date(first) if first == last else f"{chinese_date(first)}至{chinese_date(last)}"
    return JobResult(
        filename=f"工作日历重算期限_{first:%Y%m%d}-{last:%Y%m%d}.csv",
        path=path,
        rows=moved,
        summary={
            "candidates": total,
            "moved": moved,
            "batches": -(-total // BATCH_SIZE),
            "first": first.isoformat(),
            "last": last.isoformat(),
            "reason": reason,
            # in the download log; the job page shows the message
            "filters": f"{reason or '工作日历变动'}（{span}）；检查未结期限 {total} 项，到期日变动 {moved} 项",
            "message": f"检查未结期限 {total} 项，到期日变动 {moved} 项",
        },
    )


def describe(job) -> list[tuple[str, str]]:
    """The job page's 参数: the days changed and why."""
    first = datetime.date.fromisoformat(job.params["first"])
    last = datetime.date.fromisoformat(job.params["last"])
    span = chinese_date(first) if first == last else f"{chinese_date(first)}至{chinese_date(last)}"
    return [("变动日期", span), ("原因", job.params.get("reason") or "工作日历变动")]


def register():
    """Called from RenewalConfig.ready(): the recompute as a job kind that only administrators start."""
    from renewal.jobs import JobKind, register_job_kind

    register_job_kind(
        JobKind(
            services.CALENDAR_RECOMPUTE_JOB,
            LABEL,
            run_calendar_recompute,
            (Role.ADMINISTRATOR,),
            describe=describe,
        )
    )

"""Demo data of the reports app: the auditor has made one progress report and downloaded it once, so the
workspace (/reports/) and the download log have a row each. Safe to re-run."""

from django.contrib.auth import get_user_model

from renewal import jobs as kernel
from renewal.models import Job
from reports import jobs

AUDITOR = "hd_auditor"


def load(stdout, context=None) -> dict:
    auditor = get_user_model().objects.filter(username=AUDITOR).first()
    if auditor is None:
        return {}
    if Job.objects.filter(created_by=auditor, kind__in=list(jobs.JOB_LABELS)).exists():
        stdout.write("演示报表已存在，未重复生成。")
        return {}
    job = kernel.start_job(jobs.PROGRESS_JOB, user=auditor, params={}, district=auditor.district)
    job = kernel.run_job(job.pk)  # at once: the demo does not wait for a worker
    if job.status == "done":
        kernel.open_result(job, user=auditor).close()  # one logged download for the download log
    stdout.write(
        f"演示报表：{AUDITOR} 生成的{job.label}（{job.get_status_display()}，{job.result_rows or 0}个项目）"
    )
    return {}

"""The auditor's workspace (/reports/): start a report from the ledger's filters, the reports one made
before (each re-download logged again by the job kernel), the download log with filters and export.

Views hold no rules: what a report contains is `reports.services`, who may read it is each model's
`visible_to`, and a download is logged by the job kernel's download page.
"""

import tempfile

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import View

from projects.filtersets import ProjectFilterSet
from projects.selectors import LEDGER_ROLES, ledger_queryset
from projects.views.ledger import style_filter_form
from renewal.dates import chinese_date
from renewal.exports import audit_workbook
from renewal.filtersets import AuditEventFilterSet
from renewal.jobs import start_job
from renewal.models import AuditEvent, Job
from renewal.services import record_event
from renewal.views import AUDIT_ROLES, RoleRequiredMixin
from renewal.views import style_filter_form as style_audit_form
from reports import jobs, services
from reports.workbook import XLSX_CONTENT_TYPE

PAGE_SIZE = 20
# What the download log lists: every way a file leaves the portal.
DOWNLOAD_ACTIONS = (
    "job.download",
    "ledger.export",
    "audit.export",
    "attachment.download",
    "report.generate",
)
OPTION_FIELDS = ("layout", "as_of", "csrfmiddlewaretoken", "next", "page")


def report_jobs(user):
    """The reports this user made (the job kernel scopes jobs to their creator), newest first."""
    return (
        Job.objects.visible_to(user)
        .filter(created_by=user, kind__in=list(jobs.JOB_LABELS))
        .order_by("-created_at", "-pk")
    )


def job_url(job, name: str = "job_detail") -> str:
    return reverse(name, args=[job.pk])


def job_row(job) -> dict:
    done = job.status == "done"
    return {
        "job": job,
        "label": jobs.JOB_LABELS.get(job.kind, job.kind),
        "status": job.get_status_display(),
        "detail_url": job_url(job),
        "download_url": job_url(job, "job_download") if done else None,
    }


class WorkspaceView(RoleRequiredMixin, View):
    """审计工作台: the ledger's filters to start a report, my reports, links to the trails."""

    allowed_roles = AUDIT_ROLES

    def get(self, request):
        filterset = ProjectFilterSet(
            request.GET or None, queryset=ledger_queryset(request.user), request=request
        )
        if filterset.is_bound:
            filterset.is_valid()
        style_filter_form(filterset.form)
        page = Paginator(report_jobs(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
        return render(
            request,
            "reports/workspace.html",
            {
                "filterset": filterset,
                "layouts": LAYOUT_CHOICES,
                "page": page,
                "jobs": [job_row(job) for job in page.object_list],
                "recent_downloads": AuditEvent.objects.visible_to(request.user)
                .filter(action__in=DOWNLOAD_ACTIONS, actor=request.user)
                .order_by("-created_at", "-pk")[:5],
            },
        )


LAYOUT_CHOICES = [
    (services.PROGRESS, "区城市更新项目进展情况表"),
    (services.LIBRARY_LIST, "入库项目清单"),
    (services.LEDGER, "项目库台账"),
]


class StartReportView(RoleRequiredMixin, View):
    """POST: start a report job from the ledger's filters (query string or form) and show its progress."""

    allowed_roles = LEDGER_ROLES
    http_method_names = ["post"]

    def post(self, request):
        # The ledger's filters come in the query string (the ledger's button) or the form (the workspace).
        params = {k: v for k, v in request.GET.items() if k != "page" and v}
        params.update({k: v for k, v in request.POST.items() if k not in OPTION_FIELDS and v})
        layout = request.POST.get("layout") or services.PROGRESS
        as_of = request.POST.get("as_of") or ""
        back = request.POST.get("next") or ""
        if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
            back = reverse("reports:workspace")
        try:
            services.check_request(request.user, {**params, "as_of": as_of}, layout=layout)
        except services.ReportRefused as exc:
            messages.error(request, f"未能生成报表：{exc}")
            return redirect(back)
        code = jobs.JOB_BY_LAYOUT[layout]
        if as_of:
            params["as_of"] = as_of
        job = start_job(code, user=request.user, params=params, district=request.user.district)
        return redirect(job_url(job))


class DownloadLogView(RoleRequiredMixin, View):
    """下载记录: who downloaded which file when, with which filters and how many rows (scoped)."""

    allowed_roles = AUDIT_ROLES

    def _events(self, request):
        queryset = (
            AuditEvent.objects.visible_to(request.user)
            .filter(action__in=DOWNLOAD_ACTIONS)
            .select_related("district", "organization", "content_type")
        )
        filterset = AuditEventFilterSet(request.GET, queryset=queryset, request=request)
        # The action choices are the download actions present in the reader's trail, nothing else.
        action = filterset.filters["action"]
        action.extra["choices"] = [c for c in action.extra["choices"] if c[0] in DOWNLOAD_ACTIONS]
        action.__dict__.pop("_field", None)
        return filterset, (filterset.qs if filterset.is_valid() else queryset.none())

    def get(self, request):
        filterset, events = self._events(request)
        page = Paginator(events, 50).get_page(request.GET.get("page"))
        style_audit_form(filterset.form)
        query = request.GET.copy()
        query.pop("page", None)
        return render(
            request,
            "reports/downloads.html",
            {
                "filterset": filterset,
                "page": page,
                "rows": [(event, _describe_download(event)) for event in page.object_list],
                "export_query": query.urlencode(),
            },
        )


def _describe_download(event) -> dict:
    data = event.data or {}
    filters = data.get("filters_described") or data.get("filters") or {}
    if isinstance(filters, dict):
        filters = "；".join(f"{k}：{v}" for k, v in filters.items())
    file = data.get("file") or ""
    if not file and event.action == "ledger.export":
        # The ledger's direct export names its file by the day (projects/views/ledger.py).
        file = f"项目库台账_{timezone.localtime(event.created_at):%Y%m%d}.xlsx"
    return {
        "file": file,
        "rows": data.get("rows", data.get("result_rows")),
        "filters": filters or "",
    }


class DownloadLogExportView(DownloadLogView):
    """The download log as .xlsx (streamed); the export is itself written to the audit trail."""

    def get(self, request):
        filterset, events = self._events(request)
        if not filterset.is_valid():
            messages.error(request, "筛选条件有误，未导出。请按提示修改后再导出。")
            return redirect(f"{reverse('reports:downloads')}?{request.GET.urlencode()}")
        now = timezone.localtime()
        described = filterset.described_filters()
        conditions = "；".join(f"{k}：{v}" for k, v in described.items()) or "全部"
        spool = tempfile.SpooledTemporaryFile(max_size=16 * 1024 * 1024)
        workbook, count = audit_workbook(
            events.iterator(chunk_size=2000),
            title=f"下载记录（筛选条件：{conditions}；导出时间：{chinese_date(now)} {now:%H:%M}）",
        )
        workbook.save(spool)
        spool.seek(0)
        record_event(
            actor=request.user,
            action="audit.export",
            action_label="导出下载记录",
            to_state=f"{count}条",
            data={
                "filters": filterset.applied_filters(),
                "filters_described": described,
                "rows": count,
                "file": f"下载记录_{now:%Y%m%d_%H%M}.xlsx",
            },
            request=request,
            district=request.user.district,
        )
        return FileResponse(
            spool,
            as_attachment=True,
            filename=f"下载记录_{now:%Y%m%d_%H%M}.xlsx",
            content_type=XLSX_CONTENT_TYPE,
        )

"""The project library ledger (项目库台账): the scoped, filtered list and its spreadsheet export.

The HTML list, the export and the API (projects/api) read the same rows: `ledger_queryset` for what
the user may see, `ProjectFilterSet` for the filters, `ledger_rows` for the traffic lights — one
calendar snapshot for all deadlines shown at once (DOMAIN.md §5).
"""

import tempfile

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views import View

from projects.export import ledger_workbook, streamed_ledger_rows  # the export (issue 16), re-exported here
from projects.filtersets import ProjectFilterSet
from projects.selectors import (
    LEDGER_ROLES,
    ledger_open_deadlines,
    ledger_page_rows,
    ledger_page_values,
    ledger_queryset,
)
from renewal.jobs import start_job
from renewal.services import record_event
from renewal.views import RoleRequiredMixin

PAGE_SIZE = 50

# (header, sort parameter or None) of the HTML table, in display order.
COLUMNS = [
    ("项目编号", "code"),
    ("项目名称", "name"),
    ("区", None),
    ("类别/子类", None),
    ("实施路径", None),
    ("阶段", "stage"),
    ("项目库", None),
    ("实施主体", None),
    ("总投资（万元）", "total_investment"),
    ("受理日", "received_on"),
    ("入库日", "admitted_on"),
    ("期限", None),
]


def sort_headers(current: str) -> list[dict]:
    """Column headers; a sortable one links to ascending order, or descending if already ascending."""
    headers = []
    for label, key in COLUMNS:
        if key is None:
            headers.append({"label": label, "sort": None, "direction": None})
            continue
        direction = "asc" if current == key else "desc" if current == f"-{key}" else None
        headers.append(
            {"label": label, "sort": f"-{key}" if direction == "asc" else key, "direction": direction}
        )
    return headers


def style_filter_form(form):
    """Bootstrap classes on the filter widgets; a field with an error is marked invalid."""
    for name, form_field in form.fields.items():
        widget = form_field.widget
        css = (
            "form-select form-select-sm"
            if isinstance(widget, forms.Select)
            else "form-control form-control-sm"
        )
        widget.attrs["class"] = f"{css} is-invalid" if name in form.errors else css
    form.fields["q"].widget.attrs["placeholder"] = "名称、编号或位置"


class ProjectListView(RoleRequiredMixin, View):
    allowed_roles = LEDGER_ROLES

    def get(self, request):
        filterset = ProjectFilterSet(request.GET, queryset=ledger_queryset(request.user), request=request)
        valid = filterset.is_valid()
        # Invalid filters (e.g. a district outside the user's scope) show the errors and no rows.
        queryset = filterset.qs if valid else filterset.queryset.none()
        page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
        style_filter_form(filterset.form)
        current_sort = request.GET.get("sort", "") if valid else ""
        return render(
            request,
            "projects/project_list.html",
            {
                "filterset": filterset,
                "page": page,
                # The page's rows read as values, not model instances (issue 16: see ledger_page_rows); the
                # paginator counts the projects alone (a count of the values would join their names too).
                "rows": ledger_page_rows(
                    ledger_page_values(page.object_list), ledger_open_deadlines(filterset.queryset)
                ),
                "headers": sort_headers(current_sort),
                "current_sort": current_sort,
            },
        )


DIRECT_EXPORT_LIMIT = 2000  # larger ledgers are built by the ledger job, never inside a request (issue 13)


def job_params(query) -> dict:
    """The ledger's filters as the ledger job stores them (as the reports app's button does)."""
    return {key: value for key, value in query.items() if key != "page" and value}


class ProjectExportView(RoleRequiredMixin, View):
    """The filtered, visible ledger as .xlsx; every download is written to the audit trail.

    GET serves up to DIRECT_EXPORT_LIMIT rows at once; above that it offers the background ledger job
    (reports/jobs.py, a POST here), whose page shows the progress and serves the file when done."""

    allowed_roles = LEDGER_ROLES

    def _filtered(self, request):
        filterset = ProjectFilterSet(request.GET, queryset=ledger_queryset(request.user), request=request)
        if not filterset.is_valid():
            messages.error(request, "筛选条件有误，未导出。请按提示修改后再导出。")
            return None, redirect(f"{reverse('projects:project_list')}?{request.GET.urlencode()}")
        return filterset, None

    def post(self, request):
        from reports.jobs import LEDGER_JOB

        _, refused = self._filtered(request)
        if refused is not None:
            return refused
        job = start_job(LEDGER_JOB, user=request.user, params=job_params(request.GET))
        return redirect("job_detail", pk=job.pk)

    def get(self, request):
        user = request.user
        filterset, refused = self._filtered(request)
        if refused is not None:
            return refused
        count = filterset.qs.count()
        if count > DIRECT_EXPORT_LIMIT:
            from reports.selection import describe_filters

            query = request.GET.copy()
            query.pop("page", None)
            return render(
                request,
                "projects/export_confirm.html",
                {
                    "count": count,
                    "limit": DIRECT_EXPORT_LIMIT,
                    "query": query.urlencode(),
                    "filters": describe_filters(filterset),
                },
            )
        rows = streamed_ledger_rows(filterset.qs)  # chunk by chunk: memory flat in N (issue 16)
        now = timezone.localtime()
        scope = "全市" if user.is_administrator or user.is_city_level else getattr(user.district, "name", "")
        title = f"{scope}城市更新项目库台账（导出时间：{now:%Y-%m-%d %H:%M}，共{count}个项目）"
        spool = tempfile.SpooledTemporaryFile(max_size=16 * 1024 * 1024)
        ledger_workbook(rows, title).save(spool)
        spool.seek(0)
        record_event(
            actor=user,
            action="ledger.export",
            action_label="导出项目库台账",
            data={"filters": filterset.applied_filters(), "rows": count},
            request=request,
            district=user.district,
        )
        return FileResponse(
            spool,
            as_attachment=True,
            filename=f"项目库台账_{now:%Y%m%d}.xlsx",
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )

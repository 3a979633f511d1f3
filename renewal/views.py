"""Kernel pages: role home pages, deadlines with traffic lights, the audit trail, the calendar."""

import datetime
import tempfile
from urllib.parse import urlsplit

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views import View
from django.views.generic import TemplateView

from renewal import calendar as workdays
from renewal.choices import DeadlineOutcome, DeadlineState, Light, Role
from renewal.dates import chinese_date
from renewal.exports import audit_workbook
from renewal.filtersets import DEADLINE_STATE_FILTERS, AuditEventFilterSet, DeadlineFilterSet
from renewal.forms import WorkdayForm
from renewal.links import object_urls
from renewal.models import AuditEvent, CalendarYear, Deadline, WorkCalendarDay
from renewal.selectors import deadlines_with_lights, home_snapshot, light_counts
from renewal.services import record_event


def favicon(request):
    """Browsers ask for /favicon.ico whatever the page links; send them to the static icon."""
    from django.http import HttpResponsePermanentRedirect
    from django.templatetags.static import static

    return HttpResponsePermanentRedirect(static("img/favicon.ico"))


class RoleRequiredMixin(LoginRequiredMixin):
    """Views declare the roles that may use them; generated tests read `allowed_roles`."""

    allowed_roles: tuple = tuple(Role)

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        role = request.user.effective_role
        if role not in self.allowed_roles:
            raise PermissionDenied(role_refusal(role, self.allowed_roles))
        return super().dispatch(request, *args, **kwargs)


def role_refusal(role, allowed_roles) -> str:
    """Why a page refuses a role, in words a user understands: which role they have, which roles may."""
    mine = Role(role).label if role in Role.values else "未分配角色"
    allowed = "、".join(Role(r).label for r in Role if r in allowed_roles)
    return f"您的角色（{mine}）不能使用此页面。此页面供{allowed}使用。"


HOME_TEMPLATES = {
    Role.STAFF: "renewal/home_staff.html",
    Role.REVIEWER: "renewal/home_reviewer.html",
    Role.ENTITY: "renewal/home_entity.html",
    Role.LEADERSHIP: "renewal/home_leadership.html",
    Role.AUDITOR: "renewal/home_auditor.html",
    Role.ADMINISTRATOR: "renewal/home_administrator.html",
    Role.SUPERVISION: "renewal/home_supervision.html",
}


# A later app may serve a role's home itself (dashboard: the leaders' 驾驶舱), registered from its
# AppConfig.ready() so that the kernel imports no app to its right.
HOME_VIEWS: dict = {}


class HomeView(RoleRequiredMixin, TemplateView):
    def get(self, request, *args, **kwargs):
        view = HOME_VIEWS.get(request.user.effective_role)
        if view is not None:
            return view(request, *args, **kwargs)
        return super().get(request, *args, **kwargs)

    def get_template_names(self):
        user = self.request.user
        return [HOME_TEMPLATES[Role(user.effective_role)]]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        open_deadlines = Deadline.objects.visible_to(user).open()
        first = list(open_deadlines.select_related("district", "responsible_organization")[:10])
        today = workdays.today()
        snapshot = home_snapshot(first, today)  # one calendar read for the counts and the rows
        counts = light_counts(open_deadlines, today=today, snapshot=snapshot)
        rows = deadlines_with_lights(first, today=today, viewer=user, snapshot=snapshot)
        events = list(AuditEvent.objects.visible_to(user).select_related("district")[:10])
        context.update(
            deadlines=rows,
            light_counts=[(light, counts[light]) for light in (Light.RED, Light.YELLOW, Light.GREEN)],
            open_deadline_count=sum(counts.values()),
            recent_events=linked_events(user, events),
            calendar_years=CalendarYear.objects.all(),
        )
        return context


def linked_events(user, events) -> list[tuple]:
    """(event, url of its object or None) for each event: one query per kind of object shown."""
    urls = object_urls(user, [(e.content_type_id, e.object_id) for e in events])
    return [(e, urls.get((e.content_type_id, e.object_id))) for e in events]


# Filters the deadline list's form shows besides state, text and sort (the dashboard links use them).
DEADLINE_FORM_FIELDS = ("responsible_organization", "district", "due_date__gte", "due_date__lte", "late_year")


class DeadlineListView(RoleRequiredMixin, View):
    allowed_roles = (
        Role.STAFF,
        Role.REVIEWER,
        Role.ENTITY,
        Role.LEADERSHIP,
        Role.AUDITOR,
        Role.ADMINISTRATOR,
        Role.SUPERVISION,
    )
    page_size = 50
    sorts = {
        "due_date": "按到期日升序",
        "-due_date": "按到期日降序",
        "start_date": "按起算日",
        "-closed_on": "按完成/关闭日期（最近的在前）",
        "project_label": "按项目",
    }

    def get(self, request):
        queryset = Deadline.objects.visible_to(request.user).select_related(
            "district", "responsible_organization"
        )
        data = request.GET.copy()
        if data.get("state") not in dict(DEADLINE_STATE_FILTERS):
            # No state, or one that is not offered: the open ones — or, asked for the deadlines met late
            # in a year, those (an open deadline is never "met late").
            data["state"] = DeadlineOutcome.LATE if data.get("late_year") else DeadlineState.OPEN
        filterset = DeadlineFilterSet(data, queryset=queryset, request=request)
        if filterset.is_valid():
            queryset = filterset.qs
        else:
            # The page has no field for every filter (a date typed into the address): say what is wrong.
            queryset = queryset.none()
            problems = "；".join(message for errors in filterset.errors.values() for message in errors)
            messages.error(request, f"筛选条件有误：{problems}")
        sort = request.GET.get("sort", "due_date")
        if sort not in self.sorts:
            sort = "due_date"
        queryset = queryset.order_by(sort, "pk")
        page = Paginator(queryset, self.page_size).get_page(request.GET.get("page"))
        rows = deadlines_with_lights(page.object_list, viewer=request.user)
        style_filter_form(filterset.form)
        form = filterset.form
        return render(
            request,
            "renewal/deadline_list.html",
            {
                "form": form,
                # The district select only where there is a choice (a city-level user).
                "filter_fields": [
                    form[name]
                    for name in DEADLINE_FORM_FIELDS
                    if name != "district" or len(form.fields["district"].queryset) > 1
                ],
                "page": page,
                "rows": rows,
                "state": data["state"],
                "states": DEADLINE_STATE_FILTERS,
                "sort": sort,
                "sorts": self.sorts.items(),
                "q": data.get("q", ""),
            },
        )


AUDIT_ROLES = (Role.STAFF, Role.AUDITOR, Role.ADMINISTRATOR)


def style_filter_form(form):
    """Bootstrap classes on the filter widgets; a field with an error is marked invalid."""
    from django import forms

    for name, field in form.fields.items():
        css = (
            "form-select form-select-sm"
            if isinstance(field.widget, forms.Select)
            else "form-control form-control-sm"
        )
        field.widget.attrs["class"] = f"{css} is-invalid" if name in form.errors else css


class AuditListView(RoleRequiredMixin, View):
    """The audit trail in the viewer's scope, filtered; each row links to its object where it may."""

    allowed_roles = AUDIT_ROLES
    page_size = 50

    def get(self, request):
        queryset = AuditEvent.objects.visible_to(request.user).select_related("district", "organization")
        filterset = AuditEventFilterSet(request.GET, queryset=queryset, request=request)
        # Invalid filters (a reversed date range, an action not in the list) show the errors and no rows.
        events = filterset.qs if filterset.is_valid() else queryset.none()
        page = Paginator(events, self.page_size).get_page(request.GET.get("page"))
        style_filter_form(filterset.form)
        query = request.GET.copy()
        query.pop("page", None)
        return render(
            request,
            "renewal/audit_list.html",
            {
                "filterset": filterset,
                "page": page,
                "rows": linked_events(request.user, list(page.object_list)),
                "export_query": query.urlencode(),
                "filtered": bool(filterset.applied_filters()),
            },
        )


class AuditExportView(RoleRequiredMixin, View):
    """What the audit list shows with the same filters, as .xlsx; the export itself is audited."""

    allowed_roles = AUDIT_ROLES

    def get(self, request):
        user = request.user
        queryset = AuditEvent.objects.visible_to(user).select_related(
            "district", "organization", "content_type"
        )
        filterset = AuditEventFilterSet(request.GET, queryset=queryset, request=request)
        if not filterset.is_valid():
            messages.error(request, "筛选条件有误，未导出。请按提示修改后再导出。")
            return redirect(f"{reverse('audit_list')}?{request.GET.urlencode()}")
        events = filterset.qs
        now = timezone.localtime()
        described = filterset.described_filters()
        scope = "全市" if user.is_administrator or user.is_city_level else getattr(user.district, "name", "")
        conditions = "；".join(f"{k}：{v}" for k, v in described.items()) or "全部"
        spool = tempfile.SpooledTemporaryFile(max_size=16 * 1024 * 1024)
        workbook, count = audit_workbook(
            events.iterator(chunk_size=2000),
            title=f"{scope}审计记录（筛选条件：{conditions}；导出时间：{chinese_date(now)} {now:%H:%M}）",
        )
        workbook.save(spool)
        spool.seek(0)
        record_event(
            actor=user,
            action="audit.export",
            action_label="导出审计记录",
            to_state=f"{count}条",
            data={"filters": filterset.applied_filters(), "filters_described": described, "rows": count},
            request=request,
            district=user.district,
        )
        return FileResponse(
            spool,
            as_attachment=True,
            filename=f"审计记录_{now:%Y%m%d_%H%M}.xlsx",
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )


class CalendarView(RoleRequiredMixin, View):
    """The working calendar of a month, and a working-day calculator for staff."""

    def get(self, request):
        today = workdays.today()
        try:
            year = int(request.GET.get("year", today.year))
            month = int(request.GET.get("month", today.month))
            first = datetime.date(year, month, 1)
            if not (datetime.date(1900, 1, 1) <= first <= datetime.date(2199, 12, 1)):
                raise ValueError("out of the calendar's range")
        except ValueError:
            year, month, first = today.year, today.month, today.replace(day=1)
        last = (first + datetime.timedelta(days=32)).replace(day=1) - datetime.timedelta(days=1)
        days = {d.date: d for d in WorkCalendarDay.objects.filter(date__gte=first, date__lte=last)}
        weeks, week = [], [None] * first.weekday()
        day = first
        while day <= last:
            week.append({"date": day, "row": days.get(day)})
            if len(week) == 7:
                weeks.append(week)
                week = []
            day += datetime.timedelta(days=1)
        if week:
            weeks.append(week + [None] * (7 - len(week)))
        form = WorkdayForm(request.GET if "start" in request.GET else None)
        answer = form.answer() if form.is_bound and form.is_valid() else None
        previous = first - datetime.timedelta(days=1)
        following = last + datetime.timedelta(days=1)
        year_row = CalendarYear.objects.filter(year=year).first()
        return render(
            request,
            "renewal/calendar.html",
            {
                "weeks": weeks,
                "first": first,
                "year_row": year_row,
                "form": form,
                "answer": answer,
                "previous": previous,
                "following": following,
                "weekdays": "一二三四五六日",
            },
        )


class AttachmentDownloadView(RoleRequiredMixin, View):
    """Serve a file only to users who may see both the attachment and the object it belongs to."""

    # 督查 sees supervision tasks, not project files (DOMAIN.md §1).
    allowed_roles = tuple(role for role in Role if role != Role.SUPERVISION)

    def get(self, request, pk):
        from django.http import FileResponse, Http404

        from renewal.attachments import download_name, short_state
        from renewal.models import Attachment
        from renewal.permissions import get_visible_or_404

        attachment = get_visible_or_404(
            Attachment.objects.select_related("content_type"), request.user, pk=pk
        )
        subject_model = attachment.content_type.model_class()
        manager = subject_model.objects
        if (
            not hasattr(manager, "visible_to")
            or not manager.visible_to(request.user).filter(pk=attachment.object_id).exists()
        ):
            raise Http404("未找到该文件，或您无权查看。")
        record_event(
            actor=request.user,
            action="attachment.download",
            action_label="下载附件",
            obj=attachment.subject,
            to_state=short_state(attachment.original_name),
            data={
                "attachment": attachment.pk,
                "kind": attachment.kind,
                "file": attachment.original_name,
                "version": attachment.version,
                "size": attachment.size,
                "sha256": attachment.sha256,
            },
            request=request,
        )
        return FileResponse(
            attachment.file.open("rb"),
            as_attachment=True,
            filename=download_name(attachment.original_name, attachment.extension),
            content_type=attachment.mime_type,
        )


# --- error pages (wired as handler400/403/404/500 in renewal/urls.py) --------------------------------


def _back_url(request) -> str | None:
    """The page the user came from, when it is on this site (for 返回上一页)."""
    from django.core.exceptions import DisallowedHost

    referer = request.META.get("HTTP_REFERER", "")
    try:
        host = request.get_host()
    except DisallowedHost:  # the very error a 400 page may be answering
        return None
    return referer if referer and urlsplit(referer).netloc == host else None


def _error_page(request, template: str, status: int, **context):
    return render(request, template, {"back_url": _back_url(request), **context}, status=status)


def bad_request(request, exception=None):
    return _error_page(request, "400.html", 400)


def permission_denied(request, exception=None):
    """403 with the reason the refusing code gave (PermissionDenied's message), in Chinese."""
    message = str(exception) if exception is not None and str(exception) else ""
    return _error_page(request, "403.html", 403, reason=message)


def page_not_found(request, exception=None):
    return _error_page(request, "404.html", 404, request_path=request.path)


def csrf_failure(request, reason=""):
    """A form sent from a stale page (e.g. after signing in elsewhere): say so and how to go on."""
    return _error_page(
        request,
        "403.html",
        403,
        reason="页面已过期或登录状态已变化，表单未能提交。请返回上一页、刷新后重新提交。",
    )


# 500: django.views.defaults.server_error renders templates/500.html without a request or the database.

"""Kernel pages: role home pages, deadlines with traffic lights, the audit trail, the calendar."""

import datetime

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import render
from django.views import View
from django.views.generic import TemplateView

from renewal import calendar as workdays
from renewal.choices import DeadlineState, Light, Role
from renewal.forms import WorkdayForm
from renewal.models import AuditEvent, CalendarYear, Deadline, WorkCalendarDay
from renewal.selectors import deadlines_with_lights, light_counts


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
            raise PermissionDenied("您的角色不能使用此页面。")
        return super().dispatch(request, *args, **kwargs)


HOME_TEMPLATES = {
    Role.STAFF: "renewal/home_staff.html",
    Role.REVIEWER: "renewal/home_reviewer.html",
    Role.ENTITY: "renewal/home_entity.html",
    Role.LEADERSHIP: "renewal/home_leadership.html",
    Role.AUDITOR: "renewal/home_auditor.html",
    Role.ADMINISTRATOR: "renewal/home_administrator.html",
}


class HomeView(RoleRequiredMixin, TemplateView):
    def get_template_names(self):
        user = self.request.user
        return [HOME_TEMPLATES[Role(user.effective_role)]]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        open_deadlines = Deadline.objects.visible_to(user).open()
        counts = light_counts(open_deadlines)
        rows = deadlines_with_lights(
            open_deadlines.select_related("district", "responsible_organization")[:10]
        )
        context.update(
            deadlines=rows,
            light_counts=[(light, counts[light]) for light in (Light.RED, Light.YELLOW, Light.GREEN)],
            open_deadline_count=sum(counts.values()),
            recent_events=AuditEvent.objects.visible_to(user).select_related("district")[:10],
            calendar_years=CalendarYear.objects.all(),
        )
        return context


class DeadlineListView(RoleRequiredMixin, View):
    allowed_roles = (
        Role.STAFF,
        Role.REVIEWER,
        Role.ENTITY,
        Role.LEADERSHIP,
        Role.AUDITOR,
        Role.ADMINISTRATOR,
    )
    page_size = 50

    def get(self, request):
        queryset = Deadline.objects.visible_to(request.user).select_related(
            "district", "responsible_organization"
        )
        state = request.GET.get("state", DeadlineState.OPEN)
        if state in DeadlineState.values:
            queryset = queryset.filter(state=state)
        kind = request.GET.get("kind")
        if kind:
            queryset = queryset.filter(kind=kind)
        sort = request.GET.get("sort", "due_date")
        if sort.lstrip("-") in {"due_date", "start_date", "title", "subject_repr"}:
            queryset = queryset.order_by(sort, "pk")
        page = Paginator(queryset, self.page_size).get_page(request.GET.get("page"))
        rows = deadlines_with_lights(page.object_list)
        return render(
            request,
            "renewal/deadline_list.html",
            {
                "page": page,
                "rows": rows,
                "state": state,
                "states": DeadlineState.choices,
                "sort": sort,
            },
        )


class AuditListView(RoleRequiredMixin, View):
    allowed_roles = (Role.STAFF, Role.AUDITOR, Role.ADMINISTRATOR)

    def get(self, request):
        queryset = AuditEvent.objects.visible_to(request.user).select_related("district")
        action = request.GET.get("action", "").strip()
        if action:
            queryset = queryset.filter(action__startswith=action)
        page = Paginator(queryset, 50).get_page(request.GET.get("page"))
        return render(request, "renewal/audit_list.html", {"page": page, "action": action})


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

    def get(self, request, pk):
        from django.http import FileResponse, Http404

        from renewal.models import Attachment
        from renewal.permissions import get_visible_or_404
        from renewal.services import record_event

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
            to_state=attachment.original_name,
            data={"attachment": attachment.pk},
            request=request,
        )
        return FileResponse(
            attachment.file.open("rb"),
            as_attachment=True,
            filename=attachment.original_name,
            content_type=attachment.mime_type,
        )

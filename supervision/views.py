"""Supervision pages (issue 15): the 督查室's board, a list's tasks, a task with its progress history and
form, a unit's own tasks, the leaders' on-time/overdue view, import with preview and export. Rules live in
supervision.workflows and supervision.services; these views only read, call services and render."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views import View

from renewal import calendar as workdays
from renewal.choices import DeadlineState, Light, Role
from renewal.models import Deadline, Organization
from renewal.permissions import get_visible_or_404
from renewal.selectors import deadlines_with_lights
from renewal.services import record_event
from renewal.views import RoleRequiredMixin
from renewal.workflow import TransitionRefused
from supervision import services, spreadsheet
from supervision.choices import DEADLINE_TASK_DUE, TaskState
from supervision.forms import AssignForm, ImportForm, ListForm, ProgressForm, TaskForm
from supervision.models import SupervisionImport, SupervisionList, SupervisionTask, TaskUnit
from supervision.workflows import TASK

OFFICE_ROLES = (Role.SUPERVISION, Role.ADMINISTRATOR)
READ_ROLES = (Role.STAFF, Role.LEADERSHIP, Role.AUDITOR, Role.ADMINISTRATOR, Role.SUPERVISION)
UNIT_ROLES = (Role.STAFF, Role.REVIEWER, Role.ENTITY, Role.ADMINISTRATOR)
ALL_ROLES = tuple(Role)
ACTING_ROLES = (Role.STAFF, Role.REVIEWER, Role.ENTITY, Role.ADMINISTRATOR, Role.SUPERVISION)
BUTTON_ACTIONS = ("request_update", "complete", "reopen")


def task_queryset():
    return SupervisionTask.objects.select_related("supervision_list", "district").prefetch_related(
        Prefetch("unit_links", queryset=TaskUnit.objects.select_related("organization"))
    )


def task_rows(tasks, viewer=None) -> list[dict]:
    """Each task with its light, latest progress and whether this round's update is missing (a fixed
    number of queries for any number of tasks)."""
    tasks = list(tasks)
    latest = services.latest_entries(tasks)
    deadlines = Deadline.objects.open().filter(
        kind=DEADLINE_TASK_DUE,
        content_type__model="supervisiontask",
        object_id__in=[str(t.pk) for t in tasks],
    )
    lights = {int(row.deadline.object_id): row for row in deadlines_with_lights(deadlines)}
    rows = []
    for task in tasks:
        entry = latest.get(task.pk)
        rows.append(
            {
                "task": task,
                "units": task.ordered_units(),
                "light": lights.get(task.pk),
                "latest": entry,
                "pending": services.is_pending(task, entry.created_at if entry else None),
            }
        )
    return rows


def filter_tasks(request, queryset):
    """Filters shared by the board and a unit's list: state, light, list, unit, 未报送, text."""
    params = request.GET
    if state := params.get("state"):
        if state in TaskState.values:
            queryset = queryset.filter(state=state)
    if list_id := params.get("list", "").strip():
        if list_id.isdigit():
            queryset = queryset.filter(supervision_list_id=int(list_id))
    if unit := params.get("unit", "").strip():
        if unit.isdigit():
            queryset = queryset.filter(units=int(unit))
    if q := params.get("q", "").strip():
        queryset = queryset.filter(Q(content__icontains=q) | Q(source__icontains=q) | Q(number=q))
    light = params.get("light")
    if light in Light.values:
        today = workdays.today()
        open_due = Deadline.objects.open().filter(
            kind=DEADLINE_TASK_DUE, content_type__model="supervisiontask"
        )
        if light == Light.RED:
            open_due = open_due.filter(due_date__lt=today)
        else:
            from django.conf import settings

            boundary = workdays.add_working_days(today, settings.DEADLINE_WARNING_WORKDAYS).due
            open_due = open_due.filter(due_date__gte=today)
            open_due = (
                open_due.filter(due_date__lte=boundary)
                if light == Light.YELLOW
                else open_due.filter(due_date__gt=boundary)
            )
        queryset = queryset.filter(pk__in=[int(pk) for pk in open_due.values_list("object_id", flat=True)])
    if params.get("pending") == "1":
        queryset = [t for t in queryset if t.state == TaskState.ACTIVE and t.round_requested_on]
        latest = services.latest_entries(queryset)
        queryset = [
            t for t in queryset if services.is_pending(t, latest[t.pk].created_at if t.pk in latest else None)
        ]
    return queryset


def _filter_context(request, lists, units):
    return {
        "states": TaskState.choices,
        "lights": [(light.value, light.label) for light in (Light.RED, Light.YELLOW, Light.GREEN)],
        "filter_lists": lists,
        "filter_units": units,
        "current": request.GET,
    }


def reminders_sent(user, tasks) -> dict:
    """Reminders the sweep sent on the tasks' 完成时限 and the office's 催报 notices, counted."""
    from renewal.models import Notification

    deadline_ids = (
        Deadline.objects.visible_to(user).filter(kind=DEADLINE_TASK_DUE).values_list("pk", flat=True)
    )
    sweep = Notification.objects.filter(
        verb__startswith="reminder.",
        content_type__model="deadline",
        object_id__in=[str(pk) for pk in deadline_ids],
    ).count()
    asked = Notification.objects.filter(
        verb="supervision_task.request_update",
        content_type__model="supervisiontask",
        object_id__in=[str(pk) for pk in tasks.values_list("pk", flat=True)],
    ).count()
    return {"sweep": sweep, "asked": asked}


class BoardView(RoleRequiredMixin, View):
    """The 督查室's board: lists with their counts, every task with its light, who has not updated."""

    allowed_roles = OFFICE_ROLES

    def get(self, request):
        user = request.user
        lists = list(
            SupervisionList.objects.visible_to(user).annotate(
                task_count=Count("tasks", distinct=True),
                completed_count=Count("tasks", filter=Q(tasks__state=TaskState.COMPLETED), distinct=True),
            )
        )
        tasks = task_queryset().visible_to(user)
        units = Organization.objects.filter(
            pk__in=TaskUnit.objects.filter(task__in=tasks).values("organization")
        ).order_by("name")
        filtered = filter_tasks(request, tasks)
        page = Paginator(filtered, 30).get_page(request.GET.get("page"))
        rows = task_rows(page.object_list, viewer=user)
        # Who has not updated this round, across the district: lead unit of each pending task.
        active = list(tasks.filter(state=TaskState.ACTIVE, round_requested_on__isnull=False))
        latest = services.latest_entries(active)
        pending = {}
        for task in active:
            entry = latest.get(task.pk)
            if services.is_pending(task, entry.created_at if entry else None):
                for unit in task.ordered_units()[:1]:
                    pending.setdefault(unit, []).append(task)
        counts = {light: 0 for light in (Light.RED, Light.YELLOW, Light.GREEN)}
        for row in task_rows(tasks.filter(state=TaskState.ACTIVE)):
            if row["light"]:
                counts[row["light"].light.light] += 1
        return render(
            request,
            "supervision/board.html",
            {
                "reminders": reminders_sent(user, tasks),
                "lists": lists,
                "rows": rows,
                "page": page,
                "pending": sorted(pending.items(), key=lambda item: item[0].name),
                "light_counts": list(counts.items()),
                **_filter_context(request, lists, units),
            },
        )


class ListDetailView(RoleRequiredMixin, View):
    """One table as the district circulates it, with lights and who has not updated."""

    allowed_roles = READ_ROLES

    def get(self, request, pk):
        supervision_list = get_visible_or_404(
            SupervisionList.objects.select_related("district"), request.user, pk=pk
        )
        tasks = task_queryset().filter(supervision_list=supervision_list).order_by("position", "pk")
        filtered = filter_tasks(request, tasks)
        page = Paginator(filtered, 50).get_page(request.GET.get("page"))
        units = Organization.objects.filter(
            pk__in=TaskUnit.objects.filter(task__supervision_list=supervision_list).values("organization")
        ).order_by("name")
        return render(
            request,
            "supervision/list_detail.html",
            {
                "supervision_list": supervision_list,
                "rows": task_rows(page.object_list, viewer=request.user),
                "page": page,
                "is_office": request.user.effective_role in OFFICE_ROLES,
                **_filter_context(request, [], units),
            },
        )


class ListRequestView(RoleRequiredMixin, View):
    """催报 every task of a list still in progress."""

    allowed_roles = OFFICE_ROLES
    http_method_names = ["post"]

    def post(self, request, pk):
        supervision_list = get_visible_or_404(SupervisionList.objects.all(), request.user, pk=pk)
        try:
            count = services.request_list_update(supervision_list, actor=request.user)
        except TransitionRefused as refused:
            raise PermissionDenied(refused.message) from refused
        messages.success(request, f"已向{count}项督查事项的主责单位催报本轮进展。")
        return redirect(supervision_list.get_absolute_url())


class TaskDetailView(RoleRequiredMixin, View):
    """A task: its text as written, units (lead first), 完成时限 with light, the progress history, the
    progress form for its units and the office's buttons."""

    allowed_roles = ALL_ROLES

    def get(self, request, pk):
        task = get_visible_or_404(task_queryset(), request.user, pk=pk)
        return self.render(request, task)

    def render(self, request, task, progress_form=None, assign_form=None, status=200):
        user = request.user
        row = task_rows([task], viewer=user)[0]
        may_report = services.may_report(user, task)
        if may_report and progress_form is None:
            progress_form = ProgressForm(units=services.reportable_units(user, task))
        actions = [a for a in TASK.available_for(user, task) if a.action in BUTTON_ACTIONS and a.permitted]
        is_office = TASK.get("assign").may_act(user, task)
        if is_office and assign_form is None:
            assign_form = AssignForm(
                initial={
                    "units": "、\n".join(u.name for u in row["units"]),
                    "due_date": task.due_date.isoformat() if task.due_date else "",
                }
            )
        deadlines = deadlines_with_lights(
            Deadline.objects.for_subject(task).select_related("responsible_organization").order_by("-pk")
        )
        return render(
            request,
            "supervision/task_detail.html",
            {
                "task": task,
                "row": row,
                "entries": task.entries.select_related("organization", "author"),
                "progress_form": progress_form if may_report else None,
                "assign_form": assign_form if is_office else None,
                "actions": actions,
                "deadlines": deadlines,
                "projects": task.projects.all(),
            },
            status=status,
        )


class TaskActionView(RoleRequiredMixin, View):
    """The office's buttons (催报, 办结, 重新督办); the step's own rules answer who may."""

    allowed_roles = ACTING_ROLES
    http_method_names = ["post"]

    def post(self, request, pk, action):
        task = get_visible_or_404(task_queryset(), request.user, pk=pk)
        if action not in BUTTON_ACTIONS:
            raise Http404("没有这个操作。")
        try:
            if action == "request_update":
                services.request_update(task, actor=request.user)
            elif action == "complete":
                services.complete(task, actor=request.user)
            else:
                services.reopen(task, actor=request.user, reason=request.POST.get("reason", ""))
        except TransitionRefused as refused:
            messages.error(request, refused.message)
            return redirect(task.get_absolute_url())
        messages.success(request, f"已{TASK.get(action).label}。")
        return redirect(task.get_absolute_url())


class ProgressView(RoleRequiredMixin, View):
    """填报进展: a responsible unit's user; the lead unit may write for the others."""

    allowed_roles = ACTING_ROLES
    http_method_names = ["post"]

    def post(self, request, pk):
        task = get_visible_or_404(task_queryset(), request.user, pk=pk)
        if not services.may_report(request.user, task):
            raise PermissionDenied(TASK.get("report").actor_refusal)
        units = services.reportable_units(request.user, task)
        form = ProgressForm(request.POST, units=units)
        if not form.is_valid():
            return TaskDetailView().render(request, task, progress_form=form, status=400)
        organization = next(u for u in units if u.pk == form.cleaned_data["organization"])
        try:
            services.report_progress(
                task,
                actor=request.user,
                text=form.cleaned_data["text"],
                date=form.cleaned_data["date"],
                organization=organization,
            )
        except TransitionRefused as refused:
            form.add_error(None, refused.message)
            return TaskDetailView().render(request, task, progress_form=form, status=400)
        messages.success(request, "进展情况已报送。")
        return redirect(task.get_absolute_url())


class AssignView(RoleRequiredMixin, View):
    """指定主责单位 and 完成时限 by the office; names are matched like the import does."""

    allowed_roles = OFFICE_ROLES
    http_method_names = ["post"]

    def post(self, request, pk):
        task = get_visible_or_404(task_queryset(), request.user, pk=pk)
        form = AssignForm(request.POST)
        units = resolve_units(form, task.district) if form.is_valid() else []
        if not form.is_valid():
            return TaskDetailView().render(request, task, assign_form=form, status=400)
        try:
            services.assign(task, units=units, due_date=form.cleaned_data["due_date"], actor=request.user)
        except TransitionRefused as refused:
            form.add_error(None, refused.message)
            return TaskDetailView().render(request, task, assign_form=form, status=400)
        messages.success(request, "主责单位与完成时限已更新。")
        return redirect(task.get_absolute_url())


def resolve_units(form, district) -> list:
    """The organisations a units field names, matched like the import; unknown names are a field error."""
    table = spreadsheet.Table("", [], [])
    row = spreadsheet.Row(0, "", "", "", form.cleaned_data["units"], [], None, "", "")
    row.unit_names = spreadsheet.split_units(form.cleaned_data["units"])
    table.rows.append(row)
    spreadsheet.resolve(table, district)
    if row.unknown:
        form.add_error("units", "以下单位在本区没有登记：" + "、".join(row.unknown))
    elif not row.units:
        form.add_error("units", "请填写主责单位。")
    return row.units


class ListCreateView(RoleRequiredMixin, View):
    """建立督查清单 by hand (most lists come from an imported table)."""

    allowed_roles = OFFICE_ROLES

    def get(self, request):
        return self._render(request, ListForm(initial={"year": workdays.today().year}))

    def post(self, request):
        form = ListForm(request.POST)
        if form.is_valid():
            if request.user.district is None:
                form.add_error(None, "市级用户不能建立区督查清单，请以区督查室账号操作。")
            elif SupervisionList.objects.filter(
                district=request.user.district, title=form.cleaned_data["title"].strip()
            ).exists():
                form.add_error("title", "本区已有同名督查清单。")
        if not form.is_valid():
            return self._render(request, form, status=400)
        supervision_list = services.create_list(
            actor=request.user,
            district=request.user.district,
            title=form.cleaned_data["title"],
            year=form.cleaned_data["year"],
            source_document=form.cleaned_data["source_document"],
        )
        messages.success(request, "督查清单已建立，请添加督查事项。")
        return redirect("supervision:task_create", pk=supervision_list.pk)

    def _render(self, request, form, status=200):
        return render(request, "supervision/list_form.html", {"form": form}, status=status)


class TaskCreateView(RoleRequiredMixin, View):
    """建立督查事项 in a list and 指定主责单位 (the first named unit leads)."""

    allowed_roles = OFFICE_ROLES

    def get(self, request, pk):
        supervision_list = get_visible_or_404(SupervisionList.objects.all(), request.user, pk=pk)
        number = str(supervision_list.tasks.count() + 1)
        return self._render(request, supervision_list, TaskForm(initial={"number": number}))

    def post(self, request, pk):
        supervision_list = get_visible_or_404(SupervisionList.objects.all(), request.user, pk=pk)
        form = TaskForm(request.POST)
        units = []
        if form.is_valid():
            units = resolve_units(form, supervision_list.district)
            if supervision_list.tasks.filter(number=form.cleaned_data["number"].strip()).exists():
                form.add_error("number", "本清单已有该序号的督查事项。")
        if not form.is_valid():
            return self._render(request, supervision_list, form, status=400)
        data = form.cleaned_data
        try:
            task = services.create_task(
                supervision_list,
                services.TaskData(
                    number=data["number"].strip(),
                    content=data["content"],
                    source=data["source"],
                    source_type=data["source_type"],
                    units=tuple(units),
                    due_date=data["due_date"],
                    position=supervision_list.tasks.count(),
                ),
                actor=request.user,
            )
        except TransitionRefused as refused:
            form.add_error(None, refused.message)
            return self._render(request, supervision_list, form, status=400)
        messages.success(request, f"督查事项第{task.number}项已建立。")
        return redirect(task.get_absolute_url())

    def _render(self, request, supervision_list, form, status=200):
        return render(
            request,
            "supervision/task_form.html",
            {"form": form, "supervision_list": supervision_list},
            status=status,
        )


class MyTasksView(RoleRequiredMixin, View):
    """A responsible unit's own tasks, with their lights and whether this round's update is due."""

    allowed_roles = UNIT_ROLES

    def get(self, request):
        user = request.user
        tasks = (
            task_queryset()
            .visible_to(user)
            .filter(units=user.organization_id)
            .order_by("supervision_list", "position", "pk")
        )
        filtered = filter_tasks(request, tasks)
        page = Paginator(filtered, 30).get_page(request.GET.get("page"))
        lists = SupervisionList.objects.filter(tasks__in=tasks).distinct()
        return render(
            request,
            "supervision/my_tasks.html",
            {
                "rows": task_rows(page.object_list, viewer=user),
                "page": page,
                "organization": user.organization,
                **_filter_context(request, lists, []),
            },
        )


class LeadersView(RoleRequiredMixin, View):
    """The leaders' view: by lead unit, tasks done on time, done late, open and on track, open overdue."""

    allowed_roles = READ_ROLES

    def get(self, request):
        user = request.user
        today = workdays.today()
        rows = Deadline.objects.visible_to(user).filter(kind=DEADLINE_TASK_DUE)
        if year := request.GET.get("year", "").strip():
            if year.isdigit():
                rows = rows.filter(due_date__year=int(year))
        per_unit = (
            rows.exclude(state=DeadlineState.CANCELLED)
            .values("responsible_organization__name")
            .annotate(
                done_on_time=Count("pk", filter=Q(state=DeadlineState.MET, late_workdays=0)),
                done_late=Count("pk", filter=Q(state=DeadlineState.MET, late_workdays__gt=0)),
                open_on_track=Count("pk", filter=Q(state=DeadlineState.OPEN, due_date__gte=today)),
                open_overdue=Count("pk", filter=Q(state=DeadlineState.OPEN, due_date__lt=today)),
            )
            .order_by("-open_overdue", "responsible_organization__name")
        )
        table = [
            {
                "unit": item["responsible_organization__name"] or "（未指定）",
                **{k: item[k] for k in ("done_on_time", "done_late", "open_on_track", "open_overdue")},
                "total": item["done_on_time"]
                + item["done_late"]
                + item["open_on_track"]
                + item["open_overdue"],
            }
            for item in per_unit
        ]
        page = Paginator(table, 50).get_page(request.GET.get("page"))
        totals = {
            key: sum(row[key] for row in table)
            for key in ("done_on_time", "done_late", "open_on_track", "open_overdue", "total")
        }
        return render(
            request,
            "supervision/leaders.html",
            {"page": page, "table": page.object_list, "totals": totals, "current": request.GET},
        )


class ImportUploadView(RoleRequiredMixin, View):
    allowed_roles = OFFICE_ROLES

    def get(self, request):
        return self._render(request, ImportForm())

    def post(self, request):
        form = ImportForm(request.POST, request.FILES)
        if not form.is_valid():
            return self._render(request, form, status=400)
        if request.user.district is None:
            form.add_error(None, "市级用户不能导入区督查表，请以区督查室账号导入。")
            return self._render(request, form, status=400)
        upload = form.cleaned_data["file"]
        batch = SupervisionImport(
            original_name=upload.name[:200],
            district=request.user.district,
            create_units=form.cleaned_data["create_units"],
            uploaded_by=request.user,
        )
        batch.file.save(
            f"supervision_{datetime.datetime.now():%Y%m%d%H%M%S}.xlsx", ContentFile(upload.read()), save=False
        )
        batch.save()
        # The source document is kept on the list when the preview is confirmed.
        request.session[f"supervision_import_{batch.pk}"] = form.cleaned_data["source_document"]
        return redirect("supervision:import_preview", pk=batch.pk)

    def _render(self, request, form, status=200):
        recent = SupervisionImport.objects.visible_to(request.user).select_related(
            "uploaded_by", "supervision_list"
        )[:10]
        return render(
            request, "supervision/import_upload.html", {"form": form, "recent": recent}, status=status
        )


def _read(batch):
    with batch.file.open("rb") as handle:
        table = spreadsheet.read_table(handle)
    return spreadsheet.resolve(table, batch.district)


class ImportPreviewView(RoleRequiredMixin, View):
    allowed_roles = OFFICE_ROLES

    def get(self, request, pk):
        batch = get_visible_or_404(SupervisionImport.objects.all(), request.user, pk=pk)
        table = _read(batch)
        return render(
            request,
            "supervision/import_preview.html",
            {
                "batch": batch,
                "table": table,
                "blocking": table.blocking(batch.create_units),
                "error_rows": sum(1 for row in table.rows if row.errors),
            },
        )


class ImportCommitView(RoleRequiredMixin, View):
    allowed_roles = OFFICE_ROLES
    http_method_names = ["post"]

    def post(self, request, pk):
        batch = get_visible_or_404(SupervisionImport.objects.all(), request.user, pk=pk)
        if batch.committed_at is not None:
            messages.info(request, "该文件已导入。")
            return redirect(
                batch.supervision_list.get_absolute_url() if batch.supervision_list else "supervision:board"
            )
        table = _read(batch)
        try:
            result = spreadsheet.import_table(
                table,
                district=batch.district,
                actor=request.user,
                create_units=batch.create_units,
                source_document=request.session.pop(f"supervision_import_{batch.pk}", ""),
            )
        except spreadsheet.ImportRefused as refused:
            messages.error(request, "未导入：" + str(refused).replace("\n", "；"))
            return redirect("supervision:import_preview", pk=batch.pk)
        from django.utils import timezone

        SupervisionImport.objects.filter(pk=batch.pk).update(
            committed_at=timezone.now(), supervision_list=result.supervision_list
        )
        note = f"已导入：新增{result.created}项，更新{result.updated}项。"
        if result.units_created:
            note += "新建单位：" + "、".join(result.units_created) + "（请在后台核对单位类型）。"
        messages.success(request, note)
        return redirect(result.supervision_list.get_absolute_url())


class ExportView(RoleRequiredMixin, View):
    """The district's table back in its own layout (?variant=internal adds status, last update, light)."""

    allowed_roles = READ_ROLES

    def get(self, request):
        lists = SupervisionList.objects.visible_to(request.user)
        list_id = request.GET.get("list", "").strip()
        if list_id:
            if not list_id.isdigit():
                return HttpResponse(
                    "清单参数应为数字。", status=400, content_type="text/plain; charset=utf-8"
                )
            lists = lists.filter(pk=int(list_id))
            if not lists.exists():
                raise Http404("未找到该督查清单，或您无权查看。")
        internal = request.GET.get("variant") == "internal"
        lists = list(lists)
        content = spreadsheet.workbook_bytes(lists, internal=internal)
        for supervision_list in lists:
            record_event(
                actor=request.user,
                action="supervision_list.export",
                obj=supervision_list,
                data={"internal": internal},
                request=request,
            )
        name = lists[0].title if len(lists) == 1 else "督查事项进展情况"
        response = HttpResponse(
            content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
        from urllib.parse import quote

        filename = f"{name}{'（内部）' if internal else ''}.xlsx"
        response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
        return response
